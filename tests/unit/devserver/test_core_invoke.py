"""The Lambda boundary: one event at a time per function, the deadline, JSON both ways."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from devserver.appsync.errors import ExecutionTimeoutError, FieldError
from devserver.lambda_runtime.context import FunctionIdentity
from devserver.lambda_runtime.invoke import Invoker
from devserver.lambda_runtime.loader import Handler, LoadedFunction
from wiring import FunctionConfig


def _function(handler: Handler, name: str = "api") -> LoadedFunction:
    config = FunctionConfig(name=name, handler="tests.handler", memory_mb=128, timeout_seconds=10)
    identity = FunctionIdentity.create(config, region="us-east-1", account_id="123456789012")
    return LoadedFunction(config, identity, "tests.handler", handler)


async def _invoke(invoker: Invoker, function: LoadedFunction, payload: Any, budget: float) -> Any:
    loop = asyncio.get_running_loop()
    return await invoker.invoke(
        function,
        payload,
        deadline=loop.time() + budget,
        deadline_epoch_ms=int((time.time() + budget) * 1000),
    )


def test_events_run_one_at_a_time_on_a_thread_off_the_loop() -> None:
    # GIVEN a function that records how many of its events overlap, and on which thread
    running, overlap, threads = 0, 0, set()
    lock = threading.Lock()

    def handler(event: Any, _context: Any) -> Any:
        nonlocal running, overlap
        with lock:
            running += 1
            overlap = max(overlap, running)
        threads.add(threading.current_thread().name)
        time.sleep(0.01)
        with lock:
            running -= 1
        return {"seen": event}

    async def scenario() -> list[Any]:
        invoker = Invoker(max_workers=8, concurrency=1, error_style="exception")
        try:
            function = _function(handler)
            return await asyncio.gather(*(_invoke(invoker, function, [i], 5) for i in range(5)))
        finally:
            invoker.close()

    # WHEN five events are invoked at once
    results = asyncio.run(scenario())
    # THEN each got its own answer, none overlapped, and none ran on the loop's thread
    assert results == [{"seen": [i]} for i in range(5)]
    assert overlap == 1
    assert threading.main_thread().name not in threads


def test_an_event_still_queued_at_the_deadline_times_out_and_never_runs() -> None:
    # GIVEN a function busy with a slow event, and a second event queued behind it
    started: list[str] = []

    def handler(event: Any, _context: Any) -> Any:
        started.append(event)
        time.sleep(0.3 if event == "slow" else 0)
        return event

    async def scenario() -> tuple[Any, Any]:
        invoker = Invoker(max_workers=8, concurrency=1, error_style="exception")
        try:
            function = _function(handler)
            slow = asyncio.ensure_future(_invoke(invoker, function, "slow", 5))
            await asyncio.sleep(0.05)
            # WHEN the queued event's budget runs out while the slow one still runs
            with pytest.raises(ExecutionTimeoutError):
                await _invoke(invoker, function, "queued", 0.1)
            return await slow, list(started)
        finally:
            invoker.close()

    slow, seen = asyncio.run(scenario())
    # THEN it timed out without running, and the slow event still finished
    assert slow == "slow"
    assert seen == ["slow"]


def test_function_errors_and_unmarshallable_results_map_to_field_errors() -> None:
    # GIVEN handlers that raise and that return something JSON cannot carry
    def raising(_event: Any, _context: Any) -> Any:
        raise LookupError("no such recipe")

    def unmarshallable(_event: Any, _context: Any) -> Any:
        return {"when": object()}

    async def scenario() -> list[FieldError]:
        invoker = Invoker(max_workers=8, concurrency=1, error_style="exception")
        errors = []
        try:
            for handler, name in ((raising, "a"), (unmarshallable, "b")):
                with pytest.raises(FieldError) as failure:
                    await _invoke(invoker, _function(handler, name), {}, 5)
                errors.append(failure.value)
        finally:
            invoker.close()
        return errors

    # WHEN each is invoked
    raised, marshal = asyncio.run(scenario())
    # THEN the exception's class names the error, and the bad result is a MarshalError
    assert (raised.error_type, raised.message) == ("LookupError", "no such recipe")
    assert marshal.error_type == "Runtime.MarshalError"
