"""A stopped request withdraws its queued invocations at once: none of them starts."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from devserver.lambda_runtime.owner import Owner
from devserver.lambda_runtime.workers import FunctionWorkers, Job

WAIT = 5.0


def test_a_withdrawn_requests_queued_jobs_never_start_on_a_handler_thread() -> None:
    async def scenario() -> list[str]:
        loop = asyncio.get_running_loop()
        workers = FunctionWorkers("f", threads=1, pool=threading.Semaphore(1))
        ran: list[str] = []
        busy, release = threading.Event(), threading.Event()

        def first() -> None:
            busy.set()
            release.wait(WAIT)
            ran.append("first")

        def done(_result: object, _error: BaseException | None) -> None:
            pass  # nobody awaits these jobs here

        stopped, other = Owner(), Owner()
        # GIVEN the only thread busy, and two jobs of a request queued behind it, then another's
        workers.submit(Job(loop, first, done))
        assert await asyncio.to_thread(busy.wait, WAIT)
        for name in ("stopped 1", "stopped 2"):
            workers.submit(Job(loop, lambda name=name: ran.append(name), done, stopped))
        workers.submit(Job(loop, lambda: ran.append("other"), done, other))
        # WHEN the request stops before the thread is free
        stopped.withdrawn = True
        release.set()
        # THEN the thread goes straight from the first job to the other request's
        await _until(lambda: "other" in ran)
        workers.close()
        return ran

    assert asyncio.run(scenario()) == ["first", "other"]


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")
