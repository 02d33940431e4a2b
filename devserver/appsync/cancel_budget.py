"""Cancel pending completions a few hundred per event-loop iteration, not thousands at once.

When an error nulls a large part of an answer (the 200-alias query stopped at the resolver limit
nulls all of it), graphql-core cancels whatever is still pending, and each object and list cancels
its own pending values in turn: thousands of futures, each scheduling its callbacks, in one loop
iteration. That stalled every other client's request for 15 to 40 ms (benchmarks/RESULTS.md,
section 8). A completion cancelled this way is cancelled at once, so whoever awaits it sees no
difference; only its pending values beyond this iteration's budget are cancelled in the next
iterations. An ordinary answer cancels far fewer than the budget, all at once, as before. Work
that a late cancellation lets through is harmless: a stopped request's invocations never start
(`devserver.lambda_runtime.owner`), and a batch skips items cancelled before it is sent.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

CANCELS_PER_ITERATION = 256


class _Budget:
    """One event loop's cancellations: this iteration's allowance and what waits for the next."""

    __slots__ = ("_left", "_loop", "_turn_scheduled", "_waiting")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._left = CANCELS_PER_ITERATION
        self._waiting: deque[asyncio.Future[Any]] = deque()
        self._turn_scheduled = False

    def cancel(self, future: asyncio.Future[Any]) -> None:
        self._schedule_turn()  # the allowance renews in the next iteration
        if self._left > 0:
            self._left -= 1
            future.cancel()
        else:
            self._waiting.append(future)

    def _schedule_turn(self) -> None:
        if not self._turn_scheduled:
            self._turn_scheduled = True
            self._loop.call_soon(self._next_turn)

    def _next_turn(self) -> None:
        self._turn_scheduled = False
        self._left = CANCELS_PER_ITERATION
        waiting = self._waiting
        while waiting and self._left > 0:
            self.cancel(waiting.popleft())  # its own pending values count against this turn
        if not self._turn_scheduled:
            del _BUDGETS[self._loop]  # nothing used this turn: nothing left to renew


_BUDGETS: dict[asyncio.AbstractEventLoop, _Budget] = {}


def cancel_soon(future: asyncio.Future[Any]) -> None:
    """Cancel `future` now if this iteration's budget allows, else in a following iteration."""
    loop = future.get_loop()
    budget = _BUDGETS.get(loop)
    if budget is None:
        budget = _BUDGETS[loop] = _Budget(loop)
    budget.cancel(future)
