"""Benchmark helpers that run in a child process of their own.

The child prints one JSON line when it is ready, then serves until its stdin closes: EOF comes
when the parent is done with it, or dies, so no child outlives a benchmark run.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


class ChildProcess:
    """The parent's side: `python -m module *args`, its ready line, and its stop."""

    def __init__(self, module: str, *args: str, env: dict[str, str] | None = None) -> None:
        self._command = [sys.executable, "-m", module, *args]
        self._env = env
        self._process: subprocess.Popen[str] | None = None

    def start(self, timeout: float) -> dict[str, Any]:
        """Start the child and return the JSON object it printed once ready."""
        self._process = process = subprocess.Popen(
            self._command,
            cwd=REPO_ROOT,
            env=self._env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        line = process.stdout.readline() if ready else ""
        if not line:
            self.stop(timeout=5)
            raise RuntimeError(f"{' '.join(self._command[1:])} did not start")
        started: dict[str, Any] = json.loads(line)
        return started

    def stop(self, timeout: float) -> None:
        """Close the child's stdin (its cue to stop); kill it if it has not gone by `timeout`."""
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def announce_ready(started: dict[str, Any]) -> None:
    """The child's side: print the ready line, then send stdout to /dev/null.

    Nobody reads the pipe after that line; whatever else gets printed (Powertools logs to
    stdout) must not fill it and block the child.
    """
    sys.stdout.write(json.dumps(started) + "\n")
    sys.stdout.flush()
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
