"""moto's S3 (with SQS for its event notifications) on a free loopback port, in a child process.

A process of its own, next to the DynamoDB one: moto's state is global to a process, and the
child exits when its stdin closes, so it cannot outlive the devserver.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from devserver.auth.config import DEFAULT_IAM_PRINCIPAL
from devserver.backends.clients import FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY, local_client
from devserver.backends.lifecycle import Service

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_CHILD = Path(__file__).with_name("_s3_process.py")
POST_SECRETS_ENV = "DEVSERVER_S3_POST_SECRETS"  # read by the child: whose POST policies count


def post_secrets() -> str:
    """The local credentials a POST policy may be signed with: the backends' and the IAM user's."""
    iam = DEFAULT_IAM_PRINCIPAL.credentials
    pairs = {FAKE_ACCESS_KEY_ID: FAKE_SECRET_ACCESS_KEY, iam.access_key_id: iam.secret_access_key}
    return ",".join(f"{key}:{secret}" for key, secret in pairs.items())


class LocalS3(Service):
    def __init__(self, *, host: str = "127.0.0.1", startup_timeout: float = 30.0) -> None:
        self._host = host
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[str] | None = None
        self._endpoint_url: str | None = None

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise RuntimeError("S3 is not running")
        return self._endpoint_url

    def start(self) -> None:
        if self._process is not None:
            return
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, str(_CHILD), self._host],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,  # Ctrl-C must not stop it before the final snapshot
            env={**os.environ, POST_SECRETS_ENV: post_secrets()},
        )
        try:
            self._endpoint_url = f"http://{self._host}:{self._read_port(self._process)}"
        except BaseException:
            self.stop()
            raise

    def _read_port(self, process: subprocess.Popen[str]) -> int:
        assert process.stdout is not None  # noqa: S101 - a pipe, as opened above
        deadline = time.monotonic() + self._startup_timeout
        while (remaining := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([process.stdout], [], [], remaining)
            line = process.stdout.readline() if ready else ""
            if not line:
                break
            if line.startswith("PORT "):
                return int(line.split()[1])
        raise RuntimeError(f"moto's S3 did not start within {self._startup_timeout} s")

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

    def client(self) -> S3Client:
        client: S3Client = local_client("s3", self.endpoint_url)
        return client
