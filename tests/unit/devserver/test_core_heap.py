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
    assert gc.get_threshold() == (*before[:2], heap_module.FULL_PASS_THRESHOLD)
    heap.stop()
    assert gc.get_threshold() == before
