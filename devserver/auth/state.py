"""Private files under the auth state dir, created once and shared by the server and the CLI."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

DEFAULT_STATE_DIR = Path(".local/auth")


def read_or_create(path: Path, create: Callable[[], bytes]) -> bytes:
    """The file's bytes; if it is absent, write `create()` there first (owner-only permissions).

    The running server and `python -m devserver.auth.token` may race to create the same key;
    linking a fully written temp file makes exactly one of them win, and neither ever reads a
    half-written file.
    """
    with contextlib.suppress(FileNotFoundError):
        return path.read_bytes()
    temp = _write_temp(path, create())
    try:
        with contextlib.suppress(FileExistsError):  # another process won the race: use its file
            os.link(temp, path)
    finally:
        temp.unlink()
    return path.read_bytes()


def replace(path: Path, data: bytes) -> None:
    """Overwrite the file atomically (used to rotate an expired API key)."""
    _write_temp(path, data).replace(path)


def _write_temp(path: Path, data: bytes) -> Path:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as handle:  # mkstemp already made it 0600
        handle.write(data)
    return Path(name)
