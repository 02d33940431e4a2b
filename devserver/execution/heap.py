"""Keep the devserver's start-up objects out of the garbage collector's full passes.

While a request waits on its Lambda invokes, its events, their JSON copies, batch futures and
half-built results stay alive across collections, so CPython promotes some of them to its
oldest generation and runs a full pass every hundred or so nested-feed requests. A full pass
walks every tracked object in the process, about 100k once Strawberry, graphql-core, the auth
stack and the handlers are imported: some 60 ms each on the benchmark machine, about 15% of the
fixed-data devserver's CPU per feed request. `gc.freeze()` moves what exists at start-up into
the permanent generation, which collections skip; nothing else about collecting changes.

Full passes are also rarer than CPython's default. With the start-up objects frozen, the
collector's "a quarter more long-lived objects" rule counts only what requests keep alive, so a
request holding a large answer (200 aliases of 100 recipes) set off a full pass over it at every
quarter of growth: twelve passes of 50 to 350 ms in one 2.5 s request, each one stalling every
other client's request (benchmarks/RESULTS.md, section 8). A request that completes leaves no
reference cycles behind (`AppSyncExecutor.detach`, `RequestContext.finish`, and errors kept
without their tracebacks, `devserver.appsync.errors.drop_tracebacks`), so its garbage goes by
reference counting and the young collections, and a full pass is needed only rarely.

Frozen objects that later become garbage are never collected, so the freeze is undone when the
app stops and for a reload (the old runtime's schema and handler modules are such objects).
After a reload it is taken again only once the old runtime is gone: a request that began on it
may still be running, and freezing it then would keep it for good.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import weakref

logger = logging.getLogger("devserver.execution.heap")

FIRST_RETRY_SECONDS = 0.5  # lets the reload's own frames and quick requests let go first
MAX_RETRY_SECONDS = 60.0  # a full pass costs ~60 ms: while a subscription holds the old
# runtime, checking at most once a minute keeps that cost negligible
# Middle-generation collections between two full passes (CPython: 10).
FULL_PASS_THRESHOLD = 100


class StartupHeap:
    """Freezes the heap from `start` to `stop`; outside them every call does nothing."""

    def __init__(self) -> None:
        self._active = False
        self._retry: asyncio.TimerHandle | None = None
        self._thresholds = gc.get_threshold()

    def start(self) -> None:
        """Collect, then freeze everything alive: called once the app has started."""
        self._active = True
        self._thresholds = gc.get_threshold()
        gc.set_threshold(*self._thresholds[:2], FULL_PASS_THRESHOLD)
        self._freeze()

    def stop(self) -> None:
        self._active = False
        self._cancel_retry()
        gc.unfreeze()
        gc.set_threshold(*self._thresholds)

    def before_reload(self) -> None:
        """Give the frozen objects back to the collector, the runtime being replaced among them."""
        if self._active:
            self._cancel_retry()
            gc.unfreeze()

    def after_reload(self, replaced: weakref.ref[object] | None) -> None:
        """Freeze again: now if nothing was replaced, else once `replaced` has been freed."""
        if not self._active:
            return
        if replaced is None:
            self._freeze()
        else:
            self._schedule(replaced, FIRST_RETRY_SECONDS)

    def _schedule(self, replaced: weakref.ref[object], delay: float) -> None:
        loop = asyncio.get_running_loop()
        self._retry = loop.call_later(delay, self._try_freeze, replaced, delay)

    def _try_freeze(self, replaced: weakref.ref[object], delay: float) -> None:
        self._retry = None
        if not self._active:
            return
        gc.collect()
        if replaced() is None:
            gc.freeze()
            return
        logger.debug("the replaced runtime is still in use; the heap stays unfrozen for now")
        self._schedule(replaced, min(delay * 2, MAX_RETRY_SECONDS))

    def _cancel_retry(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None

    @staticmethod
    def _freeze() -> None:
        gc.collect()  # garbage frozen now would never be freed
        gc.freeze()
