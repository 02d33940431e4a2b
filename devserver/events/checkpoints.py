"""Where each event source left off in each stream shard, saved under the local root.

A restart resumes after the last delivered record instead of replaying the stream or skipping
what arrived meanwhile. A checkpoint belongs to one stream ARN: a table that was recreated (as
the local snapshot restore does) has a new stream, which starts at the source's starting position.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

CHECKPOINT_FILE = "checkpoints.json"


class Checkpoints:
    """`{source: {"streamArn": arn, "shards": {shard: sequence number}}}` in one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._data: dict[str, dict[str, Any]] = self._load()

    def position(self, source: str, stream_arn: str, shard_id: str) -> str | None:
        """The last sequence number delivered from this shard, or None to start afresh."""
        with self._lock:
            entry = self._data.get(source)
            if not entry or entry.get("streamArn") != stream_arn:
                return None
            value = entry.get("shards", {}).get(shard_id)
            return str(value) if value is not None else None

    def advance(self, source: str, stream_arn: str, shard_id: str, sequence_number: str) -> None:
        with self._lock:
            entry = self._data.get(source)
            if not entry or entry.get("streamArn") != stream_arn:
                entry = self._data[source] = {"streamArn": stream_arn, "shards": {}}
            entry["shards"][shard_id] = sequence_number
            self._save()

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".checkpoints.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self._data, handle, indent=2, sort_keys=True)
        Path(temp).replace(self.path)
