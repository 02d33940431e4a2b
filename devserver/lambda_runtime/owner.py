"""Whose invocations these are: one GraphQL request, and whether it still wants them run."""

from __future__ import annotations


class Owner:
    """Whose share of a function's workers an invocation uses: one GraphQL request.

    Once `withdrawn` (the request stopped), its invocations still queued never start, in worker
    processes (`pool`) or threads (`workers`), though their waiters may be cancelled a little
    later (`RequestContext.stop`).
    """

    __slots__ = ("withdrawn",)

    def __init__(self) -> None:
        # Set on the loop thread, read by a handler thread before it starts a job: a plain
        # attribute is enough under the GIL.
        self.withdrawn = False
