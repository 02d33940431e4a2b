"""Completing a batched field's value from its batch future with a callback, not a task.

graphql-core completes an awaitable resolver result in a coroutine (`complete_awaitable_value`),
and gathering siblings makes each one an asyncio task: a nested feed page made 60 of them for
its three batched fields, each with its context copy, weak reference, step wrapper and extra
trips through the event loop, which showed up both in CPU profiles and as garbage-collector
pressure. A batched resolver's result is already a future, so its completion can run as that
future's done-callback and settle a future of its own, which gathering takes as it is.

It does what the coroutine does, in the same order: wait for the value, `complete_value` it,
await the completed value if that is still pending (on a task, the coroutine's own code), and
hand any `Exception` to `handle_field_error`, whose raise (a non-null field) fails the
completion. Cancelling the completion (a sibling's error cancels the gather) cancels the batch
future, as cancelling the task awaiting it would. Callbacks run in the order the batch settles
its futures, as the woken tasks would have, and in the context of the request that enqueued
the item, as the tasks' context copies would have been.
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import TYPE_CHECKING, Any

from devserver.appsync.cancel_budget import cancel_soon

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from graphql import GraphQLOutputType, GraphQLResolveInfo
    from graphql.execution import Executor
    from graphql.execution.collect_fields import FieldDetailsList
    from graphql.pyutils import Path


class FieldCompletion(asyncio.Future[Any]):
    """The completed value of one batched field: what `complete_awaitable_value` returns."""

    # One object per field and no closures: what it replaces allocated several per field.
    __slots__ = ("_args", "_executor", "_item")

    def __init__(  # noqa: PLR0917 - graphql-core's completion arguments
        self,
        executor: Executor[Any],
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        item: asyncio.Future[Any],
        position_context: Any,
    ) -> None:
        super().__init__(loop=item.get_loop())
        self._executor = executor
        self._item = item
        self._args = (return_type, field_details_list, info, path, position_context)
        item.add_done_callback(self._finish, context=contextvars.copy_context())

    def cancel(self, msg: Any | None = None) -> bool:
        # Cancelling the task that awaited the item cancelled the item too; the batch then
        # skips it (devserver.lambda_runtime.batching).
        self._item.cancel()
        return super().cancel(msg)

    def _finish(self, item: asyncio.Future[Any]) -> None:
        if self.done():  # cancelled while the batch ran
            return
        if item.cancelled():
            super().cancel()
            return
        error = item.exception()
        if error is not None:
            if isinstance(error, Exception):
                self._fail(error)
            else:  # not the field's error to handle: the coroutine would not catch it either
                self.set_exception(error)
            return
        return_type, field_details_list, info, path, position_context = self._args
        executor = self._executor
        try:
            completed = executor.complete_value(
                return_type, field_details_list, info, path, item.result(), position_context
            )
        except Exception as raw_error:  # noqa: BLE001 - handled as graphql-core handles it
            self._fail(raw_error)
            return
        if executor.is_awaitable(completed):
            self._settle_later(completed)
        else:
            self.set_result(completed)

    def _fail(self, raw_error: Exception) -> None:
        return_type, field_details_list, _, path, _ = self._args
        try:
            self._executor.handle_field_error(raw_error, return_type, field_details_list, path)
        except Exception as propagated:  # noqa: BLE001 - a non-null field: the parent gets it
            self.set_exception(propagated)
        else:
            self.set_result(None)

    def _settle_later(self, pending: Awaitable[Any]) -> None:
        """Await a completed value that is itself still resolving (a sub-selection).

        A future (a `FieldsCompletion`) settles this one in a callback; anything else on a task.
        """
        if isinstance(pending, asyncio.Future):
            self._item = pending  # cancelling this completion now cancels the sub-selection
            pending.add_done_callback(self._settle_from)
            return
        task = asyncio.ensure_future(self._settle(pending))
        self._item = task  # cancelling this completion now cancels that task
        _TASKS.add(task)  # a strong reference until done, as asyncio requires
        task.add_done_callback(_TASKS.discard)

    def _settle_from(self, pending: asyncio.Future[Any]) -> None:
        """What `_settle` does when the awaited value settles, for a future."""
        if self.done():
            if not pending.cancelled():
                pending.exception()  # retrieved, as the awaiting task would have
            return
        if pending.cancelled():
            super().cancel()
            return
        error = pending.exception()
        if error is None:
            self.set_result(pending.result())
        elif isinstance(error, Exception):
            self._fail(error)
        else:
            self.set_exception(error)

    async def _settle(self, pending: Awaitable[Any]) -> None:
        try:
            value = await pending
        except Exception as raw_error:  # noqa: BLE001 - handled as graphql-core handles it
            if not self.done():
                self._fail(raw_error)
        except BaseException as error:  # cancelled, or not the field's error: passed on
            if not self.done():
                if isinstance(error, asyncio.CancelledError):
                    super().cancel()
                else:
                    self.set_exception(error)
            raise
        else:
            if not self.done():
                self.set_result(value)


class ItemCompletion(FieldCompletion):
    """A list item whose completed value is a future still settling.

    That is an object with batched fields (a `FieldsCompletion`). graphql-core's
    `complete_list_item_value` awaits it in a coroutine (`await_completed`), which the list's
    gather makes a task; this settles in a callback, handing an error to `handle_field_error`
    for the item, as that coroutine does.
    """

    __slots__ = ()

    def __init__(  # noqa: PLR0917 - graphql-core's completion arguments
        self,
        executor: Executor[Any],
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        item_path: Path,
        completed: asyncio.Future[Any],
    ) -> None:
        # Not FieldCompletion's own: no value is left to complete, only one to wait for.
        asyncio.Future.__init__(self, loop=completed.get_loop())
        self._executor = executor
        self._args = (item_type, field_details_list, info, item_path, None)
        self._item = completed
        completed.add_done_callback(self._settle_from)


class FieldsCompletion(asyncio.Future[Any]):
    """An object's field map, or a list, once its pending values settle.

    What `execute_fields` (or `complete_iterable_value`) returns when every pending value is a
    future (a `FieldCompletion`, say). graphql-core returns a coroutine instead, which awaits
    `gather_with_cancel` of them, and the list around the object makes that coroutine a task:
    for a nested feed page, 20 tasks, 20 coroutines and 20 gathers per request. This does the
    same in callbacks. The first value to fail (in the order they settle) cancels those still
    pending, and the completion fails with its error once all have settled; a value cancelled
    from outside cancels the completion, as the task would be; cancelling the completion
    cancels every value, as cancelling the task cancels its gather, though past a few hundred
    in one loop iteration the rest follow in the next ones (`devserver.appsync.cancel_budget`).
    """

    __slots__ = ("_error", "_fields", "_pending", "_results")

    def __init__(
        self,
        results: Any,  # a field map or a list: indexed by `fields`, whichever of the two it is
        fields: list[str] | list[int],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        super().__init__(loop=loop)
        self._results = results
        self._fields: list[Any] = fields
        self._pending = len(fields)
        self._error: BaseException | None = None
        for name in fields:
            results[name].add_done_callback(self._settled)

    def cancel(self, msg: Any | None = None) -> bool:
        if self.done():
            return False
        for name in self._fields:
            cancel_soon(self._results[name])  # a large answer's pending values: a few at a time
        return super().cancel(msg)

    def _settled(self, field: asyncio.Future[Any]) -> None:
        self._pending -= 1
        if self.done() or self._error is not None:
            if not field.cancelled():
                field.exception()  # retrieved, as gather retrieves it
        elif not self._check(field):
            return
        if self._pending or self.done():
            return
        if self._error is not None:
            self.set_exception(self._error)
            return
        results = self._results
        for name in self._fields:
            results[name] = results[name].result()
        self.set_result(results)

    def _check(self, field: asyncio.Future[Any]) -> bool:
        """False if `field` ended this completion at once; a failure cancels the other fields."""
        if field.cancelled():
            super().cancel()  # gather's CancelledError ends the coroutine's task so
            return False
        error = field.exception()
        if error is None:
            return True
        if not isinstance(error, Exception):
            self.set_exception(error)  # gather_with_cancel passes it on at once
            return False
        self._error = error
        for name in self._fields:
            pending = self._results[name]
            if not pending.done():
                pending.cancel()
        return True


_TASKS: set[asyncio.Future[Any]] = set()
