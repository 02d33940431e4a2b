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
        """Await a completed value that is itself still resolving (a sub-selection), on a task."""
        task = asyncio.ensure_future(self._settle(pending))
        self._item = task  # cancelling this completion now cancels that task
        _TASKS.add(task)  # a strong reference until done, as asyncio requires
        task.add_done_callback(_TASKS.discard)

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


_TASKS: set[asyncio.Future[Any]] = set()
