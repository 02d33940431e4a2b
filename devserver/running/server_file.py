"""`<root>/server.json`: the banner's facts (URLs, API key, tokens, pid) while a devserver runs.

The devserver writes it once it is ready and removes it when it stops; tools read it to find
the server a root belongs to, instead of guessing ports and keys. It holds tokens, so only its
owner may read it.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

SERVER_FILE = "server.json"


class NotRunningError(RuntimeError):
    """No devserver is running on the root a tool was pointed at."""


def write(path: Path, facts: dict[str, Any]) -> None:
    """Write `facts` atomically and private: whoever polls for the file never reads half of it."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.unlink(missing_ok=True)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as sink:
        sink.write(json.dumps(facts, indent=2) + "\n")
    temp.replace(path)


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def read_running(root: Path, *, start_hint: str) -> dict[str, Any]:
    """The facts of the devserver running on `root`, or `NotRunningError` saying how to start one."""
    path = root / SERVER_FILE
    if not root.is_dir():
        raise NotRunningError(f"{root} does not exist: no devserver has run there ({start_hint})")
    try:
        facts = json.loads(path.read_text())
    except (OSError, ValueError):
        raise NotRunningError(f"no devserver is running on {root} ({start_hint})") from None
    if not isinstance(facts, dict) or not _alive(facts.get("pid")):
        raise NotRunningError(f"the devserver on {root} has stopped ({start_hint})")
    return facts


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    with contextlib.suppress(PermissionError):  # someone else's process: it exists
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
    return True
