"""The start-up heap is frozen while the app runs, and given back for a reload and at shutdown."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import pytest

from devserver.execution import heap as heap_module
from devserver.execution.heap import StartupHeap


@pytest.fixture(autouse=True)
def _unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


class _Runtime:
    """Stands in for a replaced runtime: weak-referenceable, freed when dropped."""


def test_start_freezes_and_stop_gives_everything_back() -> None:
    heap = StartupHeap()
    heap.start()
    assert gc.get_freeze_count() > 0
    heap.stop()
    assert gc.get_freeze_count() == 0


def test_nothing_happens_while_not_started() -> None:
    heap = StartupHeap()
    heap.before_reload()
    heap.after_reload(None)
    assert gc.get_freeze_count() == 0


def test_a_failed_reload_freezes_again_at_once() -> None:
    heap = StartupHeap()
    heap.start()
    heap.before_reload()
    assert gc.get_freeze_count() == 0
    heap.after_reload(None)
    assert gc.get_freeze_count() > 0
    heap.stop()


def test_after_a_reload_the_heap_is_frozen_only_once_the_old_runtime_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(heap_module, "FIRST_RETRY_SECONDS", 0.01)

    async def scenario() -> tuple[int, int]:
        heap = StartupHeap()
        heap.start()
        old = _Runtime()
        # GIVEN a reload whose old runtime a request still holds
        heap.before_reload()
        heap.after_reload(weakref.ref(old))
        await asyncio.sleep(0.05)
        while_held = gc.get_freeze_count()
        # WHEN the request lets go of it
        del old
        await asyncio.sleep(0.1)
        after = gc.get_freeze_count()
        heap.stop()
        return while_held, after

    while_held, after = asyncio.run(scenario())
    # THEN nothing was frozen while it was held, and everything once it was freed
    assert while_held == 0
    assert after > 0


def test_full_passes_are_rarer_while_started_and_as_before_after() -> None:
    before = gc.get_threshold()
    heap = StartupHeap()
    heap.start()
    assert gc.get_threshold() == (*before[:2], heap_module.BUSY_FULL_PASS_THRESHOLD)
    heap.stop()
    assert gc.get_threshold() == before


def _make_full_pass_due() -> None:
    for _ in range(heap_module.FULL_PASS_THRESHOLD):
        gc.collect(1)  # each counts towards the next full pass, as CPython's own do


def test_a_full_pass_that_falls_due_waits_until_the_server_has_been_idle_a_moment() -> None:
    full_passes: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full_passes.append(1)

    async def scenario() -> list[int]:
        heap = StartupHeap()
        heap.start()
        gates = {name: asyncio.Event() for name in ("first", "second", "third", "fourth")}

        async def app(scope: dict, receive: object, send: object) -> None:
            await gates[scope["path"]].wait()

        served = heap.serving(app)  # type: ignore[arg-type]

        def request(name: str) -> asyncio.Future[None]:
            return asyncio.ensure_future(served({"type": "http", "path": name}, None, None))

        async def end(name: str, future: asyncio.Future[None]) -> int:
            gates[name].set()
            await future
            await asyncio.sleep(heap_module.IDLE_SECONDS + 0.05)
            return len(full_passes)

        seen = []
        gc.callbacks.append(record)
        try:
            # GIVEN two requests in flight, and a full pass falling due during them
            first, second = request("first"), request("second")
            await asyncio.sleep(0)
            _make_full_pass_due()
            # WHEN one ends, then the other, and a third starts at once
            seen.append(await end("first", first))
            gates["second"].set()
            await second
            third = request("third")
            await asyncio.sleep(heap_module.IDLE_SECONDS + 0.05)
            seen.append(len(full_passes))
            # AND the third ends, and the server stays idle
            seen.append(await end("third", third))
            # AND a fourth request comes and goes, with no pass due
            seen.append(await end("fourth", request("fourth")))
        finally:
            gc.callbacks.remove(record)
            heap.stop()
        return seen

    # THEN the pass ran only once the server had been idle a moment, and only once
    assert asyncio.run(scenario()) == [0, 0, 1, 1]


def test_requests_that_end_before_the_app_starts_run_no_pass() -> None:
    async def scenario() -> int:
        heap = StartupHeap()
        passes = []

        def record(phase: str, info: dict[str, int]) -> None:
            if phase == "start" and info["generation"] == 2:
                passes.append(info)

        async def app(scope: dict, receive: object, send: object) -> None:
            _make_full_pass_due()

        thresholds = gc.get_threshold()
        gc.set_threshold(*thresholds[:2], 10**6)  # no full pass of CPython's own meanwhile
        gc.callbacks.append(record)
        try:
            await heap.serving(app)({"type": "http"}, None, None)  # type: ignore[arg-type]
            await asyncio.sleep(heap_module.IDLE_SECONDS + 0.05)
        finally:
            gc.callbacks.remove(record)
            gc.set_threshold(*thresholds)
        return len(passes)

    assert asyncio.run(scenario()) == 0
