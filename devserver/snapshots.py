"""Periodic DynamoDB snapshots: a crash loses at most the last `interval` seconds of writes.

moto keeps its tables in memory only. Saving on every tick would rewrite the whole file every
few seconds, so a tick first asks whether anything happened (a request finished since the last
tick, or the idle re-check is due, for writers that bypass the API) and then compares a
fingerprint of the tables with the one last saved. The devserver's fingerprint is moto's count
of write requests, which costs one loopback request: hashing a dump of every table cost a full
scan, and held every other request up for it, every two seconds under load.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from devserver.backends.periodic import Periodic

if TYPE_CHECKING:
    from collections.abc import Callable

logger = logging.getLogger("devserver.snapshots")

DEFAULT_INTERVAL_SECONDS = 2.0
IDLE_CHECK_SECONDS = 30.0


class Snapshotter:
    """Calls `save` from a background thread whenever `fingerprint` has changed."""

    def __init__(
        self,
        save: Callable[[], None],
        fingerprint: Callable[[], str],
        *,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        idle_check: float = IDLE_CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._save = save
        self._fingerprint = fingerprint
        self._idle_check = idle_check
        self._clock = clock
        self._dirty = threading.Event()
        self._periodic = Periodic("snapshots", interval, self._tick_logging_failures)
        self._last: str | None = None
        self._next_check = clock() + idle_check

    def mark_dirty(self) -> None:
        """Something may have written: look at the tables on the next tick."""
        self._dirty.set()

    def prime(self) -> None:
        """Remember the current tables as saved (right after a restore or a save)."""
        self._last = self._fingerprint()

    def tick(self) -> bool:
        """Save if there may be changes and there are; True if it saved."""
        now = self._clock()
        if not self._dirty.is_set() and now < self._next_check:
            return False
        self._dirty.clear()
        self._next_check = now + self._idle_check
        current = self._fingerprint()
        if current == self._last:
            return False
        self._save()
        self._last = current
        return True

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()

    def _tick_logging_failures(self) -> None:
        try:
            if self.tick():
                logger.debug("DynamoDB snapshot saved")
        except Exception:
            # A failed save keeps the previous snapshot; the next change tries again.
            logger.warning("DynamoDB snapshot failed", exc_info=True)
            self._dirty.set()
