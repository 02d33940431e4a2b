"""The execution engine: one GraphQL request from query text to an AppSync-shaped result.

Transport-neutral, so the HTTP view, and later the WebSocket protocols, share it:
- `new_context` makes the per-request state for an authenticated caller;
- `execute` parses (cached), validates, checks variables, runs the operation and, for a
  mutation, tells the mutation listeners what each root field produced;
- with `context.publish = True` and the published payload as `root_value`, `execute` runs a
  subscription event: root subscription fields read the payload instead of invoking Lambda.
  Without it, executing a subscription operation runs its resolver once, as AppSync does at
  `start`.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import (
    ExecutionResult as CoreExecutionResult,
)
from graphql import (
    FragmentDefinitionNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from strawberry.execution import optimized_is_awaitable
from strawberry.types import ExecutionResult

from devserver.appsync.errors import UNPARSABLE_MESSAGE, AppSyncError, malformed, request_error
from devserver.appsync.executor import AppSyncExecutor
from devserver.appsync.variables import check_variables
from devserver.execution.request import RequestContext

if TYPE_CHECKING:
    from devserver.auth import AuthContext
    from devserver.config import DevServerConfig
    from devserver.execution.reload import RuntimeHolder
    from devserver.lambda_runtime.invoke import Invoker

logger = logging.getLogger("devserver.execution.engine")


@dataclass(frozen=True)
class MutationCompleted:
    """A root mutation field that resolved: what `@aws_subscribe` publishes (semantics §5).

    `value` is the field as the client received it, so already pruned to the mutation's
    selection set (under the client's aliases); `raw_value` is the Lambda's full answer.
    """

    field_name: str
    response_key: str
    arguments: dict[str, Any]
    value: Any
    raw_value: Any
    selection_set: SelectionSetNode | None
    auth: AuthContext
    request_id: str
    # The document's named fragments, so spreads in the mutation's selection can be followed.
    fragments: Mapping[str, FragmentDefinitionNode] = field(default_factory=dict)


MutationListener = Callable[[MutationCompleted], Awaitable[None] | None]


class Engine:
    """Runs GraphQL requests against the holder's current runtime."""

    def __init__(self, config: DevServerConfig, holder: RuntimeHolder, invoker: Invoker) -> None:
        self._config = config
        self.holder = holder
        self.invoker = invoker
        self._listeners: list[MutationListener] = []

    def add_mutation_listener(self, listener: MutationListener) -> Callable[[], None]:
        """Call `listener` after each successful root mutation field; returns an unsubscriber."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def new_context(
        self, *, auth: AuthContext, headers: dict[str, str], request_id: str | None = None
    ) -> RequestContext:
        return RequestContext(
            runtime=self.holder.current,
            invoker=self.invoker,
            auth=auth,
            headers=headers,
            timeout_seconds=self._config.request_timeout_seconds,
            request_id=request_id or str(uuid.uuid4()),
        )

    async def execute(
        self,
        context: RequestContext,
        query: str | None,
        variables: Mapping[str, Any] | None = None,
        operation_name: str | None = None,
        *,
        root_value: Any = None,
    ) -> ExecutionResult:
        """AppSync's answer to one operation. An unparsable query raises a 400 `HttpError`."""
        context.start_clock()
        try:
            return await self._execute(context, query, variables, operation_name, root_value)
        finally:
            context.finish()

    async def _execute(
        self,
        context: RequestContext,
        query: str | None,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        root_value: Any,
    ) -> ExecutionResult:
        runtime = context.runtime
        if not query or not query.strip():
            raise malformed(UNPARSABLE_MESSAGE)
        prepared = await runtime.documents.prepare(query)
        if prepared.document is None:
            raise malformed(UNPARSABLE_MESSAGE)
        if prepared.errors:
            return ExecutionResult(data=None, errors=list(prepared.errors))
        operation = _operation(prepared.document.definitions, operation_name)
        context.variables = dict(variables or {})
        context.document = prepared
        if operation is not None:
            errors = check_variables(runtime.schema, operation, context.variables)
            if errors:
                return ExecutionResult(data=None, errors=list(errors))
        executor = AppSyncExecutor.build(
            runtime.schema,
            prepared.document,
            root_value,
            context,
            context.variables,
            operation_name,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type] # fast path for plain values
        )
        if isinstance(executor, list):
            return ExecutionResult(data=None, errors=[_request_error(e) for e in executor])
        assert isinstance(executor, AppSyncExecutor)  # noqa: S101 - build returns its own class
        try:
            result = executor.execute_operation()
            if inspect.isawaitable(result):
                result = await result
        finally:
            executor.detach()
        assert isinstance(result, CoreExecutionResult)  # noqa: S101 - the non-incremental executor
        if operation is not None and operation.operation is OperationType.MUTATION:
            await self._announce(context, result)
        return ExecutionResult(data=result.data, errors=result.errors)

    async def _announce(self, context: RequestContext, result: CoreExecutionResult) -> None:
        if not self._listeners or not result.data:
            return
        for call in context.root_calls:
            value = result.data.get(call.response_key)
            if value is None:
                continue  # a failed or null mutation publishes nothing (amplify does the same)
            node = call.field_nodes[0]
            event = MutationCompleted(
                field_name=call.field_name,
                response_key=call.response_key,
                arguments=call.arguments,
                value=value,
                raw_value=call.value,
                selection_set=node.selection_set,
                auth=context.auth,
                request_id=context.request_id,
                fragments=_fragments(context),
            )
            for listener in list(self._listeners):
                try:
                    outcome = listener(event)
                    if inspect.isawaitable(outcome):
                        await outcome
                except Exception:
                    logger.exception("mutation listener failed for %s", call.field_name)


def _operation(definitions: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name and op.name.value == name), None)


def _request_error(error: Exception) -> AppSyncError:
    if isinstance(error, AppSyncError):
        return error
    return request_error(str(getattr(error, "message", error)), getattr(error, "nodes", None))


def _fragments(context: RequestContext) -> dict[str, FragmentDefinitionNode]:
    document = context.document.document if context.document else None
    definitions = document.definitions if document else ()
    return {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
