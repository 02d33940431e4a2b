"""A daemon thread that calls a function every `interval` seconds until it is stopped."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


class Periodic:
    """`start()` begins the calls (the first after one interval); `stop()` waits for the last."""

    def __init__(self, name: str, interval: float, call: Callable[[], None]) -> None:
        self._name = name
        self._interval = interval
        self._call = call
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._call()
