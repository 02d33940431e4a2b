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

Full passes also wait until no GraphQL request has been in flight for a moment (`serving`). A
pass walks every live object, and a request holding a large answer keeps hundreds of thousands
alive: passes that fell in the middle of the heavy query took 30 to 60 ms, and every other
client's request waited for them (benchmarks/RESULTS.md, section 8). Even just after its answer
is sent, a stopped request's cancellations go on for a few hundred milliseconds
(`devserver.appsync.cancel_budget`), and a pass then took 110 ms over 170,000 objects. So a
pass that is due runs once the server has been idle for `IDLE_SECONDS`; a server that is never
idle that long still gets one from CPython itself, ten times less often.

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

    from starlette.types import ASGIApp, Receive, Scope, Send

logger = logging.getLogger("devserver.execution.heap")

FIRST_RETRY_SECONDS = 0.5  # lets the reload's own frames and quick requests let go first
MAX_RETRY_SECONDS = 60.0  # a full pass costs ~60 ms: while a subscription holds the old
# runtime, checking at most once a minute keeps that cost negligible
# Middle-generation collections after which a full pass is due (CPython: 10); it runs once the
# server has been idle for IDLE_SECONDS.
FULL_PASS_THRESHOLD = 100
# ... and after which CPython runs one by itself, for a server that is never idle.
BUSY_FULL_PASS_THRESHOLD = 10 * FULL_PASS_THRESHOLD
IDLE_SECONDS = 0.1  # idle this long, the server runs a full pass that is due


class StartupHeap:
    """Freezes the heap from `start` to `stop` and runs due full passes while the server is idle.

    Outside `start` and `stop` every call does nothing.
    """

    def __init__(self) -> None:
        self._active = False
        self._retry: asyncio.TimerHandle | None = None
        self._thresholds = gc.get_threshold()
        self._in_flight = 0
        self._idle_pass: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Collect, then freeze everything alive: called once the app has started."""
        self._active = True
        self._thresholds = gc.get_threshold()
        gc.set_threshold(*self._thresholds[:2], BUSY_FULL_PASS_THRESHOLD)
        self._freeze()

    def serving(self, app: ASGIApp) -> ASGIApp:
        """`app`, counted as in flight from each HTTP request's start to its response's end."""
        return _Counted(self, app)

    def request_started(self) -> None:
        self._in_flight += 1
        if self._idle_pass is not None:
            self._idle_pass.cancel()
            self._idle_pass = None

    def request_ended(self) -> None:
        self._in_flight -= 1
        if self._in_flight or not self._active or self._idle_pass is not None:
            return
        if gc.get_count()[2] >= FULL_PASS_THRESHOLD:
            loop = asyncio.get_running_loop()
            self._idle_pass = loop.call_later(IDLE_SECONDS, self._full_pass)

    def _full_pass(self) -> None:
        self._idle_pass = None
        if self._active and not self._in_flight:
            gc.collect()

    def stop(self) -> None:
        self._active = False
        self._cancel_retry()
        if self._idle_pass is not None:
            self._idle_pass.cancel()
            self._idle_pass = None
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


class _Counted:
    """An ASGI app whose HTTP requests the heap counts.

    A class, because Starlette's `Route` takes a plain function for a request-response endpoint.
    """

    def __init__(self, heap: StartupHeap, app: ASGIApp) -> None:
        self._heap = heap
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        self._heap.request_started()
        try:
            await self._app(scope, receive, send)
        finally:
            self._heap.request_ended()
