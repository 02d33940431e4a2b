"""graphql-core's executor with AppSync's value completion and error shapes (semantics §1.3, §1.4).

graphql-core already propagates nulls as the spec (and AppSync) does; this subclass changes
what the errors say and look like: graphql-java's coercion rules and "Can't serialize value" /
"Cannot return null for non-nullable type" texts (no errorType, `locations: null`), and typed
errors for resolver failures.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    is_non_null_type,
)
from graphql.execution import Executor
from graphql.execution.executor import collect_iterator_awaitables
from graphql.pyutils import Path, Undefined, gather_with_cancel

from devserver.appsync.coercion import BUILTIN_SERIALIZERS, OutputError, serialize_enum
from devserver.appsync.completion import FieldCompletion, FieldsCompletion, ItemCompletion
from devserver.appsync.errors import (
    AppSyncError,
    CoercionError,
    FieldError,
    Shape,
    drop_tracebacks,
    format_path,
)
from devserver.appsync.scalars import ScalarError

if TYPE_CHECKING:
    from graphql import GraphQLObjectType
    from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet

logger = logging.getLogger("devserver.appsync.executor")

_Results = TypeVar("_Results", dict[str, Any], list[Any])


class _SerializeError(Exception):
    """A leaf value the type rejects; the path is only known where the error is handled."""


def non_null_message(
    return_type: GraphQLNonNull[Any], info: GraphQLResolveInfo[Any], path: Path
) -> str:
    """graphql-java's NonNullableFieldWasNullException text."""
    parent: object = info.parent_type
    if isinstance(path.key, int):
        # A list item: its parent is the (innermost enclosing) list type, printed unwrapped.
        depth, node = 0, path
        while node is not None and isinstance(node.key, int):
            depth, node = depth + 1, node.prev  # type: ignore[assignment]
        list_type: Any = info.return_type
        for _ in range(depth - 1):
            list_type = _unwrap_non_null(list_type).of_type
        parent = _unwrap_non_null(list_type)
    return (
        f"Cannot return null for non-nullable type: '{return_type.of_type}' within parent "
        f"'{parent}' ({format_path(path.as_list())})"
    )


def _unwrap_non_null(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


async def _gather_detached(values: Sequence[Awaitable[Any]]) -> list[Any]:
    return await gather_with_cancel(*values)


def _track_detached(_values: Sequence[Any]) -> None:
    return  # the answer is complete: nobody waits for work tracked after it


# Info helpers that refer to no executor: what work left behind by a finished answer gets.
DETACHED_HELPERS = GraphQLResolveInfoHelpers(gather=_gather_detached, track=_track_detached)


class AppSyncExecutor(Executor[Any]):
    """Completes values and reports errors the way AppSync (graphql-java) does."""

    def detach(self) -> None:
        """Call once the answer is complete: end the executor's reference cycles.

        graphql-core's info helpers are the executor's own bound methods, so every request left
        a cycle for the garbage collector, and full collections stall every request in flight
        (benchmarks/RESULTS.md, section 8). Work still settling after the answer (a batch that
        was already sent) gets helpers that refer to no executor. An error that nulled the
        whole answer is kept without graphql-core's handling, so its traceback goes here.
        """
        self.async_helpers = DETACHED_HELPERS
        for error in self.collected_errors.errors:
            if error.__traceback__ is not None:  # the others went through `handle_field_error`
                drop_tracebacks(error)

    def complete_value(  # noqa: PLR0917 - graphql-core's signature
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if (result is None or result is Undefined) and isinstance(return_type, GraphQLNonNull):
            raise CoercionError(non_null_message(return_type, info, path))
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        # graphql-core's own loop (3.3), but when every pending field is a future the object
        # settles in callbacks (devserver.appsync.completion), not in a coroutine and a task.
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list in grouped_field_set.items():
                field_path = Path(path, response_name, parent_type.name)
                result = self.execute_field(
                    parent_type, source_value, field_details_list, field_path, position_context
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        return self._once_settled(results, awaitable_fields)

    def _once_settled(self, results: _Results, pending: list[Any]) -> Any:
        """`results` (a field map or a list), or an awaitable of it once `pending` settle.

        In callbacks when every pending value is a future (a `FieldsCompletion`), else in a
        coroutine as graphql-core does.
        """
        if not pending:
            return results
        if all(isinstance(results[key], asyncio.Future) for key in pending):
            return FieldsCompletion(results, pending, results[pending[0]].get_loop())
        return self._gather_fields(results, pending)

    @staticmethod
    async def _gather_fields(results: _Results, fields: list[Any]) -> _Results:
        """graphql-core's `get_results` and `get_completed_results`.

        For an object's field map or a list with a pending value that is not a future.
        """
        if len(fields) == 1:
            results[fields[0]] = await results[fields[0]]
        else:
            awaited = await gather_with_cancel(*(results[field] for field in fields))
            for field, value in zip(fields, awaited, strict=True):
                results[field] = value
        return results

    def complete_awaitable_value(  # noqa: PLR0917 - graphql-core's signature
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        # A batched field's future completes in a callback (devserver.appsync.completion); anything
        # else, or with an abort signal to race, takes graphql-core's coroutine. Only an
        # exact asyncio.Future: a subclass may behave differently when awaited.
        if type(result) is asyncio.Future and self.abort_signal is None:
            return FieldCompletion(
                self, return_type, field_details_list, info, path, result, position_context
            )
        return super().complete_awaitable_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def complete_list_value(  # noqa: PLR0917 - graphql-core's signature
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if isinstance(result, str | bytes | dict) or not isinstance(result, Iterable):
            raise CoercionError(
                f"Can't resolve value ({format_path(path.as_list())}) : type mismatch error,"
                " expected type LIST"
            )
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def complete_iterable_value(  # noqa: PLR0917 - graphql-core's signature
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> Any:
        # graphql-core's own loop (3.3), but when every pending item is a future the list
        # settles in callbacks (devserver.appsync.completion), not in a coroutine that gathers
        # its items as tasks: 20 tasks per home feed page. @stream (not AppSync's) keeps
        # graphql-core's loop.
        if self.get_stream_usage(field_details_list, path) is not None:
            return super().complete_iterable_value(
                item_type, field_details_list, info, path, items, position_context
            )
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        pending: list[int] = []
        iterator = iter(items)
        index = 0
        try:
            for item in iterator:
                item_path = path.add_key(index, None)
                if is_awaitable(item):
                    completed.append(
                        self.complete_awaitable_list_item_value(
                            item, item_type, field_details_list, info, item_path, position_context
                        )
                    )
                    pending.append(index)
                elif self.complete_list_item_value(
                    item,
                    completed,
                    item_type,
                    field_details_list,
                    info,
                    item_path,
                    position_context,
                ):
                    pending.append(index)
                index += 1
        except Exception:
            # As graphql-core does: settle what is pending, the iterator's rest included.
            awaitables = [completed[index] for index in pending]
            awaitables.extend(collect_iterator_awaitables(iterator, is_awaitable))
            if awaitables:
                self.settle_in_background(awaitables)
            raise
        return self._once_settled(completed, pending)

    def complete_list_item_value(  # noqa: PLR0917 - graphql-core's signature
        self,
        item: Any,
        complete_results: list[Any],
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        item_path: Path,
        position_context: Any,
    ) -> bool:
        # graphql-core's, but an item still settling as a future (an object with batched
        # fields) is awaited in a callback, not a coroutine.
        try:
            completed = self.complete_value(
                item_type, field_details_list, info, item_path, item, position_context
            )
        except Exception as raw_error:  # noqa: BLE001 - handled as graphql-core handles it
            self.handle_field_error(raw_error, item_type, field_details_list, item_path)
            complete_results.append(None)
            return False
        if isinstance(completed, asyncio.Future):
            complete_results.append(
                ItemCompletion(self, item_type, field_details_list, info, item_path, completed)
            )
            return True
        if self.is_awaitable(completed):
            complete_results.append(
                self._await_item(completed, item_type, field_details_list, item_path)
            )
            return True
        complete_results.append(completed)
        return False

    async def _await_item(
        self,
        completed: Awaitable[Any],
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        item_path: Path,
    ) -> Any:
        """graphql-core's `await_completed`: an item settling in anything but a future."""
        try:
            return await completed
        except Exception as raw_error:  # noqa: BLE001 - handled as graphql-core handles it
            self.handle_field_error(raw_error, item_type, field_details_list, item_path)
            return None

    @staticmethod
    def complete_leaf_value(return_type: GraphQLLeafType, result: Any) -> Any:
        try:
            if isinstance(return_type, GraphQLEnumType):
                return serialize_enum(return_type, result)
            builtin = BUILTIN_SERIALIZERS.get(return_type.name)
            if builtin is not None:
                return builtin(result)
            return return_type.coerce_output_value(result)
        except (OutputError, ScalarError) as error:
            raise _SerializeError(str(error)) from error

    def handle_field_error(
        self,
        raw_error: Exception,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> None:
        error = _appsync_error(raw_error, field_details_list, path)
        drop_tracebacks(error)  # logged already if it was a bug
        if self.error_propagation and is_non_null_type(return_type):
            try:
                raise error
            finally:
                # The raised error's traceback holds this frame: without its locals, no cycle.
                del error, raw_error
        self.collected_errors.add(error, path)


def _appsync_error(
    raw_error: Exception, field_details_list: FieldDetailsList, path: Path
) -> AppSyncError:
    if isinstance(raw_error, AppSyncError) and raw_error.path is not None:
        return raw_error  # already located: a child's error propagating to a nullable parent
    nodes = [details.node for details in field_details_list]
    path_list = path.as_list()
    if isinstance(raw_error, FieldError):
        return AppSyncError(
            raw_error.message,
            Shape.FIELD,
            nodes=nodes,
            path=path_list,
            error_type=raw_error.error_type,
            data=raw_error.data,
            original_error=raw_error,
        )
    if isinstance(raw_error, _SerializeError):
        message = f"Can't serialize value ({format_path(path_list)}) : {raw_error}"
        return AppSyncError(message, Shape.COERCION, nodes=nodes, path=path_list)
    if isinstance(raw_error, CoercionError | GraphQLError):
        # graphql-core's own completion errors (e.g. an abstract type's value without
        # `__typename`) are AppSync-raised too: no errorType.
        message = raw_error.message if isinstance(raw_error, GraphQLError) else str(raw_error)
        return AppSyncError(message, Shape.COERCION, nodes=nodes, path=path_list)
    logger.error("unexpected error resolving %s", path_list, exc_info=raw_error)
    return AppSyncError(
        str(raw_error),
        Shape.FIELD,
        nodes=nodes,
        path=path_list,
        error_type=type(raw_error).__name__,
        original_error=raw_error,
    )
