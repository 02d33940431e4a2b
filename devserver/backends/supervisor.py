"""Watches the local backends: restarts one that died, says so in one log line, reports each state.

Each backend is checked every `interval` seconds with a cheap probe (is its process alive). A dead
one is reported once (what died, what a restart loses, what to do if it keeps failing), its
`on_down` hook runs (so dependants can fail calls fast instead of waiting), and it is restarted,
with backoff while restarts fail. `health()` is what `/health` shows.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devserver.backends.periodic import Periodic

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

logger = logging.getLogger("devserver.backends")

OK = "ok"
DOWN = "down"
RESTARTING = "restarting"
FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Watched:
    """One backend as the supervisor sees it."""

    name: str
    label: str  # what it is, for people: "DynamoDB (moto)"
    alive: Callable[[], bool]
    restart: Callable[[], None]
    pid: Callable[[], int | None]
    on_restart: str = ""  # what a restart brings back, and what it may lose
    if_it_persists: str = ""  # what to do when restarts keep failing
    on_down: Callable[[], None] = _nothing
    on_up: Callable[[], None] = _nothing


@dataclass
class _State:
    state: str = OK
    restarts: int = 0
    failures: int = 0
    detail: str | None = None
    down_since: float = 0.0
    next_attempt: float = 0.0
    backoff: float = FIRST_BACKOFF_SECONDS
    pid: int | None = field(default=None)


class Supervisor:
    """`start()` a thread that calls `check()` every `interval` seconds; `health()` any time."""

    def __init__(
        self,
        watched: Sequence[Watched],
        *,
        interval: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._watched = list(watched)
        self._states = {w.name: _State(pid=w.pid()) for w in self._watched}
        self._clock = clock
        self._lock = threading.Lock()
        self._periodic = Periodic("supervisor", interval, self._check_logging_failures)

    def health(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {
                name: {
                    "state": s.state,
                    "pid": s.pid,
                    "restarts": s.restarts,
                    "detail": s.detail,
                }
                for name, s in self._states.items()
            }

    def check(self) -> None:
        """Probe every backend once; report and restart the dead ones whose turn it is."""
        for watched in self._watched:
            state = self._states[watched.name]
            if state.state == OK and not watched.alive():
                self._went_down(watched, state)
            if state.state == DOWN and self._clock() >= state.next_attempt:
                self._restart(watched, state)

    def _went_down(self, watched: Watched, state: _State) -> None:
        with self._lock:
            state.state, state.down_since, state.next_attempt = DOWN, self._clock(), 0.0
            state.detail = f"{watched.label} (pid {state.pid}) stopped"
            state.backoff = FIRST_BACKOFF_SECONDS
        logger.warning(
            "%s (pid %s) died; restarting it%s. Calls that need it wait or fail until then.",
            watched.label,
            state.pid,
            f" {watched.on_restart}" if watched.on_restart else "",
        )
        watched.on_down()

    def _restart(self, watched: Watched, state: _State) -> None:
        with self._lock:
            state.state = RESTARTING
        try:
            watched.restart()
            watched.on_up()
        except Exception as error:  # noqa: BLE001 - reported, then retried with backoff
            with self._lock:
                state.state, state.failures = DOWN, state.failures + 1
                state.detail = f"restart failed: {error}"
                state.next_attempt = self._clock() + state.backoff
                state.backoff = min(state.backoff * 2, MAX_BACKOFF_SECONDS)
            if state.failures == 1 or state.backoff == MAX_BACKOFF_SECONDS:
                logger.error(  # noqa: TRY400 - one line; the message says what failed
                    "%s could not be restarted (%s); retrying.%s",
                    watched.label,
                    error,
                    f" If this persists, {watched.if_it_persists}"
                    if watched.if_it_persists
                    else "",
                )
            return
        with self._lock:
            state.state, state.restarts, state.failures = OK, state.restarts + 1, 0
            state.detail, state.pid = None, watched.pid()
            down_for = self._clock() - state.down_since
        logger.warning("%s is back after %.1f s (pid %s)", watched.label, down_for, state.pid)

    def start(self) -> None:
        self._periodic.start()

    def stop(self) -> None:
        self._periodic.stop()

    def _check_logging_failures(self) -> None:
        try:
            self.check()
        except Exception:
            logger.exception("checking the local backends failed")
