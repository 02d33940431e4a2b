"""Long-lived handler threads per function, like warm Lambda containers.

A function gets as many threads as it may run events at once, fed by one FIFO queue, so the
threads themselves are the concurrency limit: a thread that finishes an event takes the next
queued one at once, without a round trip through the event loop to hand the slot on. The nested
feed queues three batches for the same function per request, and each round trip (thread wake-up,
loop wake-up, semaphore hand-over, `run_in_executor`'s two chained futures) showed up in
profiles. Results go back to the loop with `call_soon_threadsafe`.

A job abandoned while still queued (the request's deadline passed, or its caller was cancelled)
is skipped, as an invoke that never got a slot never ran; once started it runs to the end.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devserver.lambda_runtime.owner import Owner

logger = logging.getLogger("devserver.lambda_runtime.workers")

Done = Callable[[Any, BaseException | None], None]


class Job:
    """One call to run on a worker; `done(result, error)` runs on `loop` when it returns."""

    __slots__ = ("abandoned", "call", "done", "loop", "owner")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        call: Callable[[], Any],
        done: Done,
        owner: Owner | None = None,
    ) -> None:
        self.loop = loop
        self.call = call
        self.done = done
        self.owner = owner
        # Set on the loop thread, read by the worker before it starts the call: a plain
        # attribute is enough under the GIL, and a job abandoned a moment too late just runs.
        self.abandoned = False

    def post(self, result: Any, error: BaseException | None) -> None:
        try:
            self.loop.call_soon_threadsafe(self.done, result, error)
        except RuntimeError:  # the loop closed while the handler ran: nobody is waiting
            logger.debug("dropped a result: the event loop is closed")


class FunctionWorkers:
    """`threads` threads for one function, started with its first event and kept until `close`.

    `pool` bounds the handlers running at once across all functions (the devserver's
    `max_workers`); a thread holds it only while it runs a handler.
    """

    def __init__(self, name: str, threads: int, pool: threading.Semaphore) -> None:
        self._name = name
        self._limit = threads
        self._pool = pool
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._closed = False

    def submit(self, job: Job) -> None:
        if self._closed:
            raise RuntimeError("cannot schedule new invocations after shutdown")
        if not self._threads:
            for index in range(self._limit):
                self._start_thread(index)
        self._jobs.put(job)

    def close(self) -> None:
        """Stop the threads after their current event; queued events are cancelled."""
        self._closed = True
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job.post(None, asyncio.CancelledError())
        for _ in self._threads:
            self._jobs.put(None)

    def _start_thread(self, index: int) -> None:
        thread = threading.Thread(
            target=self._serve,
            name=f"lambda-{self._name}-{index}",
            # Daemon: nothing joins these at exit, and a handler stuck past its timeout must
            # not keep the server process alive.
            daemon=True,
        )
        self._threads.append(thread)
        thread.start()

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            with self._pool:
                if job.abandoned or (job.owner is not None and job.owner.withdrawn):
                    continue
                try:
                    result = job.call()
                except BaseException as error:  # noqa: BLE001 - handed to the awaiting caller
                    job.post(None, error)
                else:
                    job.post(result, None)
