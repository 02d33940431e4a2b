"""The local on-failure destination: one JSON file per batch that Lambda would give up on.

In the cloud the destination is an SQS queue that receives Lambda's invocation record (the
request context and, for streams, `DDBStreamBatchInfo`: shard and sequence numbers, not the
records). Locally the same record lands in `<state>/failed/`, with the records themselves under
`localRecords`, since the local stream is gone after a restart.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from devserver.wiring import EventSource

logger = logging.getLogger("devserver.events")

FAILED_DIR = "failed"


class FailureDestination:
    """Writes failed batches under `directory`, one file each, named by time and function."""

    def __init__(self, directory: Path, *, region: str, account_id: str) -> None:
        self.directory = directory
        self._region = region
        self._account_id = account_id

    def record(
        self,
        source: EventSource,
        records: Sequence[dict[str, Any]],
        *,
        condition: str,
        batch_info: dict[str, Any],
        attempts: int,
        error: str,
    ) -> Path:
        arn = f"arn:aws:lambda:{self._region}:{self._account_id}:function:{source.function}"
        now = time.time()
        document = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": arn,
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": error or None,
            },
            "version": "1.0",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
            + f".{int(now * 1000) % 1000:03d}Z",
            **batch_info,
            "localRecords": list(records),
        }
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
        path = self.directory / f"{stamp}-{source.function}-{uuid.uuid4().hex[:8]}.json"
        _write_atomically(path, json.dumps(document, indent=2, default=str) + "\n")
        logger.error("failed batch recorded in %s", path)
        return path


def _write_atomically(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    Path(temp).replace(path)
