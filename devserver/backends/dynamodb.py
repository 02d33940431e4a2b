"""moto's DynamoDB served on a free loopback port, with JSON snapshots for persistence.

moto runs in a child process: its state is global to a Python process, so an in-process server
would be shared by every instance and wiped by any `mock_aws` used elsewhere in the same test run.
The child exits when its stdin closes, so it cannot outlive its parent.
"""

from __future__ import annotations

import select
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from devserver.backends import dynamodb_snapshot
from devserver.backends.clients import local_client
from devserver.backends.lifecycle import Service

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBClient

_CHILD = Path(__file__).with_name("_moto_process.py")


class LocalDynamoDB(Service):
    """moto's DynamoDB on `endpoint_url`; `snapshot`/`restore` keep its tables across runs."""

    def __init__(self, *, host: str = "127.0.0.1", startup_timeout: float = 30.0) -> None:
        self._host = host
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[str] | None = None
        self._endpoint_url: str | None = None

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise RuntimeError("DynamoDB is not running")
        return self._endpoint_url

    def start(self) -> None:
        if self._process is not None:
            return
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, str(_CHILD), self._host],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            # Its own session: a terminal's Ctrl-C must not kill it before the final snapshot.
            # It still exits with us, because it stops when its stdin closes.
            start_new_session=True,
        )
        self._process = process
        try:
            port = self._read_port(process)
        except BaseException:
            self.stop()
            raise
        self._endpoint_url = f"http://{self._host}:{port}"

    def _read_port(self, process: subprocess.Popen[str]) -> int:
        if process.stdout is None:
            raise RuntimeError("moto's stdout is not a pipe")
        deadline = time.monotonic() + self._startup_timeout
        while (remaining := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([process.stdout], [], [], remaining)
            if not ready:
                break
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"moto exited during startup (status {process.poll()})")
            if line.startswith("PORT "):
                return int(line.split()[1])
        raise TimeoutError(f"moto did not start within {self._startup_timeout} s")

    def stop(self) -> None:
        process, self._process, self._endpoint_url = self._process, None, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def client(self, config: Config | None = None) -> DynamoDBClient:
        """A low-level client for this endpoint, with fake credentials."""
        client: DynamoDBClient = local_client("dynamodb", self.endpoint_url, config)
        return client

    def snapshot(self, path: Path) -> None:
        """Write every table (definition and items) to `path`, atomically."""
        dynamodb_snapshot.write(self.client(), path)

    def restore(self, path: Path) -> None:
        """Recreate the tables saved in `path`, replacing any with the same names."""
        dynamodb_snapshot.read(self.client(), path)
