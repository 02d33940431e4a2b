"""Batched fields, their objects and lists complete in callbacks exactly as graphql-core's coroutines do.

Each scenario runs twice, with the devserver's executor and with the same executor put back on
graphql-core's own `complete_awaitable_value`, `execute_fields`, `complete_iterable_value` and
`complete_list_item_value`, and both must give the same data and errors in the same order, and
leave the same batch items cancelled.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from graphql import build_schema, parse
from graphql.execution import Executor

from devserver.appsync.errors import FieldError
from devserver.appsync.executor import AppSyncExecutor

SCHEMA = """
type Query { items(n: Int!): [Item] strict(n: Int!): [Strict!] }
type Item { id: ID! label: String rank: Int! child: Item late: String kids: [Strict!] }
type Strict { id: ID! rank: Int! late: String }
"""


class CoroutineExecutor(AppSyncExecutor):
    """The devserver's executor with graphql-core's own completion of awaitables and objects."""

    complete_awaitable_value = Executor.complete_awaitable_value  # type: ignore[assignment]
    execute_fields = Executor.execute_fields  # type: ignore[assignment]
    complete_iterable_value = Executor.complete_iterable_value  # type: ignore[assignment]
    complete_list_item_value = Executor.complete_list_item_value  # type: ignore[assignment]


class Batch:
    """Answers batched fields after `rounds` loop iterations, in queue order, like the collector.

    Counting loop iterations rather than waiting a time keeps the order of two batches the same
    on a loaded machine: a late batch flushes only after an earlier one's errors have settled.
    """

    def __init__(self, answer: Any, rounds: int = 1) -> None:
        self.answer = answer
        self.rounds = rounds
        self.items: list[tuple[asyncio.Future[Any], Any]] = []

    def _after(self, rounds: int) -> None:
        if rounds <= 1:
            self.flush()
        else:
            asyncio.get_running_loop().call_soon(self._after, rounds - 1)

    def enqueue(self, source: Any, info: Any) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        if not self.items:
            loop.call_soon(self._after, self.rounds)
        future = loop.create_future()
        self.items.append((future, (info.field_name, source)))
        return future

    def flush(self) -> None:
        items, self.items = self.items, []
        for future, (field, source) in items:
            if future.done():  # cancelled by a sibling's error
                continue
            outcome = self.answer(field, source)
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


def _run(executor_class: type[AppSyncExecutor], query: str, answer: Any) -> tuple[Any, Any, int]:
    schema = build_schema(SCHEMA)
    batch, late_batch = Batch(answer), Batch(answer, rounds=50)
    cancelled: list[asyncio.Future[Any]] = []

    def batched(source: Any, info: Any, **_: Any) -> Any:
        future = (late_batch if info.field_name == "late" else batch).enqueue(source, info)
        cancelled.append(future)
        return future

    def items(_source: Any, _info: Any, n: int) -> list[dict[str, Any]]:
        return [{"id": f"i{k}", "n": k} for k in range(n)]

    for type_name in ("Item", "Strict"):
        for name in ("label", "rank", "child", "late", "kids"):
            field = schema.type_map[type_name].fields.get(name)  # type: ignore[union-attr]
            if field is not None:
                field.resolve = batched
    schema.query_type.fields["items"].resolve = items  # type: ignore[union-attr]
    schema.query_type.fields["strict"].resolve = items  # type: ignore[union-attr]

    async def execute() -> Any:
        executor = executor_class.build(schema, parse(query))
        assert not isinstance(executor, list)
        result = executor.execute_operation()
        if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
            result = await result
        await asyncio.sleep(0.01)  # let cancellations settle
        return result

    result = asyncio.run(execute())
    errors = [(e.message, e.path) for e in result.errors or []]
    return result.data, errors, sum(f.cancelled() for f in cancelled)


def _answer(field: str, source: dict[str, Any]) -> Any:
    n = source["n"]
    if field == "label":
        return FieldError("NotFound", f"no label {n}") if n % 3 == 1 else f"label {n}"
    if field == "rank":
        return None if n == 2 else n  # null for a non-null field
    if field == "late":
        return f"late {n}"
    if field == "child":
        return {"id": f"c{n}", "n": n + 10} if n < 3 else None
    if field == "kids":  # a batched list whose items have batched fields of their own
        return [{"id": f"k{n}.{k}", "n": n * 2 + k} for k in range(2)] if n != 3 else None
    raise AssertionError(field)


@pytest.mark.parametrize(
    "query",
    [
        "{ items(n: 5) { id label } }",
        "{ items(n: 5) { id label rank } }",
        "{ items(n: 4) { id child { id label rank } } }",
        "{ strict(n: 4) { id rank } }",
        "{ strict(n: 4) { id rank late } items(n: 2) { late } }",
        "{ items(n: 6) { label } strict(n: 5) { rank } }",
        # Several pending fields per object, settling in different batches, one of them failing
        "{ items(n: 4) { label rank late child { label rank late } } }",
        "{ strict(n: 3) { late rank } }",
        # Lists inside batched values: items settling in callbacks, a non-null item failing
        "{ items(n: 5) { id kids { id late } } }",
        "{ items(n: 5) { kids { rank } label } }",
        "{ items(n: 4) { child { kids { id rank late } } } }",
        "{ items(n: 3) { kids { rank late } } }",  # a failing item cancels its list's pending
    ],
)
def test_callback_completion_matches_graphql_cores_coroutines(query: str) -> None:
    expected = _run(CoroutineExecutor, query, _answer)
    assert _run(AppSyncExecutor, query, _answer) == expected


def test_a_propagating_error_cancels_the_pending_items_of_its_siblings() -> None:
    # GIVEN a non-null error under `strict` while its items' `late` fields are still pending
    query = "{ strict(n: 4) { id rank late } items(n: 2) { late } }"
    data, errors, cancelled = _run(AppSyncExecutor, query, _answer)
    # THEN the list is null, the pending items were cancelled, and `items` is unaffected
    assert data == {"strict": None, "items": [{"late": "late 0"}, {"late": "late 1"}]}
    assert len(errors) == 1
    assert cancelled == 4
    assert _run(CoroutineExecutor, query, _answer) == (data, errors, cancelled)


def test_a_batch_item_raising_a_plain_exception_is_a_field_error() -> None:
    def answer(field: str, source: dict[str, Any]) -> Any:
        return RuntimeError("boom") if source["n"] == 1 else _answer(field, source)

    query = "{ items(n: 3) { label child { label } } }"
    expected = _run(CoroutineExecutor, query, answer)
    assert _run(AppSyncExecutor, query, answer) == expected
    assert expected[1]  # the scenario does produce errors
