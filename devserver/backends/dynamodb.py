"""moto's DynamoDB served on a free loopback port, with JSON snapshots for persistence.

moto runs in a child process: its state is global to a Python process, so an in-process server
would be shared by every instance and wiped by any `mock_aws` used elsewhere in the same test run.
The child exits when its stdin closes, so it cannot outlive its parent.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from devserver.backends import dynamodb_snapshot
from devserver.backends.clients import local_client
from devserver.backends.lifecycle import Service

if TYPE_CHECKING:
    from botocore.config import Config
    from mypy_boto3_dynamodb import DynamoDBClient

_CHILD_MODULE = "devserver.backends._moto_process"
# The directory that holds the `devserver` package, for the child's imports.
_IMPORT_ROOT = str(Path(__file__).resolve().parents[2])


class LocalDynamoDB(Service):
    """moto's DynamoDB on `endpoint_url`; `snapshot`/`restore` keep its tables across runs.

    The listening socket belongs to this object, not to moto's process: `restart` replaces a
    dead child behind the same URL, and calls that arrive meanwhile wait instead of failing.
    """

    name = "dynamodb"

    def __init__(self, *, host: str = "127.0.0.1", startup_timeout: float = 30.0) -> None:
        self._host = host
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[str] | None = None
        self._listener: socket.socket | None = None

    @property
    def endpoint_url(self) -> str:
        if self._listener is None:
            raise RuntimeError("DynamoDB is not running")
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        if self._process is not None:
            return
        if self._listener is None:
            self._listener = socket.create_server((self._host, 0), backlog=128)
        try:
            self._spawn(restore_from=None)
        except BaseException:
            self.stop()
            raise

    def restart(self, restore_from: Path | None = None) -> None:
        """Replace moto's process behind the same URL, with the tables saved in `restore_from`."""
        self._end_child()
        self._spawn(restore_from)

    def _spawn(self, restore_from: Path | None) -> None:
        if self._listener is None:
            raise RuntimeError("DynamoDB is not running")
        listener = self._listener.fileno()
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", _CHILD_MODULE, self._host, "--listener", str(listener)],
            env=_child_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            pass_fds=(listener,),
            # Its own session: a terminal's Ctrl-C must not kill it before the final snapshot.
            # It still exits with us, because it stops when its stdin closes.
            start_new_session=True,
        )
        self._process = process
        try:
            port = self._read_port(process)
            if restore_from is not None and restore_from.exists():
                # On its private port, before it serves the shared one: no caller ever sees
                # the tables missing.
                private = local_client("dynamodb", f"http://{self._host}:{port}")
                dynamodb_snapshot.read(private, restore_from)
            stdin = cast("IO[str]", process.stdin)  # a pipe: stdin=PIPE above
            stdin.write("SERVE\n")
            stdin.flush()
        except BaseException:
            self._end_child()
            raise

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
        self._end_child()
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()

    def _end_child(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError):  # a dead child's pipe is broken
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

    def changes(self, timeout: float = 5.0) -> int:
        """How many write requests moto has served since it started (it counts them itself)."""
        state = json.loads(self._local("/_local/state", timeout))
        return int(state["changes"])

    def fingerprint(self) -> str:
        """Changes whenever a write may have changed the tables (a new process counts anew)."""
        return f"{self.pid}:{self.changes()}"

    def snapshot(self, path: Path) -> None:
        """Write every table (definition and items) to `path`, atomically.

        moto reads its tables in memory and sends them in the snapshot's format: far cheaper
        than scanning them through the API, which held up every other request meanwhile.
        """
        dynamodb_snapshot.write_bytes(self._local("/_local/snapshot", 300.0), path)

    def _local(self, path: str, timeout: float) -> bytes:
        # http.client, not urllib: no proxy settings from the environment apply to loopback.
        host, port = self.endpoint_url.removeprefix("http://").rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        if response.status != 200:  # noqa: PLR2004 - HTTP OK
            raise RuntimeError(f"moto answered {path} with HTTP {response.status}")
        return body

    def restore(self, path: Path) -> None:
        """Recreate the tables saved in `path`, replacing any with the same names."""
        dynamodb_snapshot.read(self.client(), path)


def _child_env() -> dict[str, str]:
    paths = [_IMPORT_ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
