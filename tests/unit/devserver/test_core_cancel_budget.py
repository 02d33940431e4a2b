"""A large cancellation is spread over loop iterations; a small one happens at once."""

from __future__ import annotations

import asyncio
from typing import Any

from devserver.appsync.cancel_budget import CANCELS_PER_ITERATION
from devserver.appsync.completion import FieldsCompletion


async def _iterations_until(done: Any) -> int:
    turns = 0
    while not done():
        await asyncio.sleep(0)
        turns += 1
    return turns


def test_an_object_with_few_pending_fields_cancels_them_all_at_once() -> None:
    async def scenario() -> tuple[bool, int]:
        loop = asyncio.get_running_loop()
        fields = {f"f{n}": loop.create_future() for n in range(10)}
        completion = FieldsCompletion(fields, list(fields), loop)
        completion.cancel()
        return completion.cancelled(), sum(f.cancelled() for f in fields.values())

    assert asyncio.run(scenario()) == (True, 10)


def test_a_list_of_thousands_of_pending_items_is_cancelled_a_budget_per_iteration() -> None:
    size = CANCELS_PER_ITERATION * 4 + 10

    async def scenario() -> tuple[bool, int, int, int]:
        loop = asyncio.get_running_loop()
        items = [loop.create_future() for _ in range(size)]
        completion = FieldsCompletion(items, list(range(size)), loop)
        # WHEN the list is cancelled (an error nulled the answer around it)
        completion.cancel()
        # THEN whoever awaits it sees it cancelled at once
        cancelled_at_once = completion.cancelled()
        first = sum(item.cancelled() for item in items)
        # AND the rest follow, a budget per loop iteration, until none is left
        turns = await _iterations_until(lambda: all(item.cancelled() for item in items))
        return cancelled_at_once, first, turns, sum(item.cancelled() for item in items)

    cancelled_at_once, first, turns, total = asyncio.run(scenario())
    assert cancelled_at_once
    assert first == CANCELS_PER_ITERATION
    assert turns == 4  # three more full budgets, then the last 10
    assert total == size


def test_nested_completions_share_the_iterations_budget() -> None:
    # An object per item, each with 3 pending fields: cancelling the list cancels them all.
    items = CANCELS_PER_ITERATION

    async def scenario() -> tuple[int, int]:
        loop = asyncio.get_running_loop()
        leaves = []
        objects = []
        for _ in range(items):
            fields = {name: loop.create_future() for name in ("a", "b", "c")}
            leaves.extend(fields.values())
            objects.append(FieldsCompletion(fields, list(fields), loop))
        page = FieldsCompletion(objects, list(range(items)), loop)
        page.cancel()
        cancelled_now = sum(o.cancelled() for o in objects) + sum(f.cancelled() for f in leaves)
        await _iterations_until(lambda: all(f.cancelled() for f in leaves))
        return cancelled_now, sum(f.cancelled() for f in leaves)

    cancelled_now, leaves_cancelled = asyncio.run(scenario())
    assert cancelled_now == CANCELS_PER_ITERATION
    assert leaves_cancelled == items * 3
