"""Starting a subscription, the same way for both protocols: check, authorize, resolve, register.

At `start` AppSync validates the operation, authorizes the subscription field for the caller,
runs the field's resolver once if one is wired (raising there refuses the subscription) and
fixes the argument filter (semantics §5.3, §5.4). Events then reach the subscription through
the registry and the publisher. The engine does the checks and the resolver call, exactly as
for a query, so errors have the same shapes as over HTTP.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType
from graphql.execution.collect_fields import collect_fields
from graphql.execution.values import get_argument_values
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from devserver.appsync.errors import (
    UNPARSABLE_MESSAGE,
    AppSyncError,
    HttpError,
    Shape,
    request_error,
)
from devserver.appsync.variables import check_variables
from devserver.auth import AWS_LAMBDA
from devserver.subscriptions.errors import RealtimeError, too_many_filters, unsupported
from devserver.subscriptions.filters import ArgumentFilter
from devserver.subscriptions.pruning import Projector
from devserver.subscriptions.publisher import Publisher
from devserver.subscriptions.registry import Delivery, Registry, Subscription

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Callable, Hashable, Mapping

    from graphql import DocumentNode

    from devserver.auth import AuthContext, Authenticator
    from devserver.execution.engine import Engine
    from devserver.execution.runtime import Runtime
    from devserver.subscriptions.settings import SubscriptionSettings

logger = logging.getLogger("devserver.subscriptions")


@dataclass(frozen=True)
class Accepted:
    """A subscription ready to register: its field, filter and prepared projection."""

    field_name: str
    filter: ArgumentFilter
    projector: Projector
    group_key: Hashable


@dataclass(frozen=True)
class Rejected:
    errors: list[GraphQLError]


@dataclass(frozen=True)
class Answered:
    """A query or mutation sent over graphql-transport-ws: one result, then `complete`."""

    result: ExecutionResult


class SubscriptionService:
    """The server-wide subscription state that both WebSocket protocols share."""

    def __init__(
        self, engine: Engine, authenticator: Authenticator, settings: SubscriptionSettings
    ) -> None:
        self.engine = engine
        self.authenticator = authenticator
        self.settings = settings
        self.registry = Registry()
        self.publisher = Publisher(self.registry, engine.holder, settings)
        self._unlisten = engine.add_mutation_listener(self.publisher.on_mutation)

    async def aclose(self) -> None:
        self._unlisten()
        await self.publisher.aclose()

    async def authenticate(
        self,
        headers: Mapping[str, str],
        *,
        source_ip: str,
        path: str,
        body: bytes,
        operation: Mapping[str, Any] | None = None,
    ) -> AuthContext:
        """The caller, or `Unauthenticated`; a Lambda authorizer runs off the event loop."""
        request = operation or {}

        def authenticate() -> AuthContext:
            return self.authenticator.authenticate(
                headers,
                source_ip=source_ip,
                request_context={
                    "requestId": str(uuid.uuid4()),
                    "queryString": request.get("query") or "",
                    "operationName": request.get("operationName"),
                    "variables": request.get("variables") or {},
                },
                path=path,
                body=body,
            )

        if AWS_LAMBDA in self.authenticator.config.modes:
            return await asyncio.to_thread(authenticate)
        return authenticate()

    async def start(
        self,
        auth: AuthContext,
        headers: dict[str, str],
        request: Mapping[str, Any],
        *,
        operations: bool,
    ) -> Accepted | Rejected | Answered:
        """Check and authorize one operation; `operations` lets queries and mutations run too."""
        runtime = self.engine.holder.current
        checked = _checked(runtime, request)
        if isinstance(checked, Rejected):
            return checked
        document, operation = checked
        if operation is not None and operation.operation is not OperationType.SUBSCRIPTION:
            if not operations:
                return Rejected([unsupported(operation.operation.value)])
            return Answered(await self._execute(auth, headers, request))
        prepared = self._prepare(runtime, document, operation, request, auth)
        if isinstance(prepared, Rejected):
            return prepared
        # The field's auth directives and its resolver, if wired: once, with this caller.
        result = await self._execute(auth, headers, request)
        refusals = [error for error in result.errors or () if _refuses(error)]
        if refusals:
            return Rejected(refusals)
        return prepared

    def _prepare(
        self,
        runtime: Runtime,
        document: DocumentNode,
        operation: OperationDefinitionNode | None,
        request: Mapping[str, Any],
        auth: AuthContext,
    ) -> Accepted | Rejected:
        variables: dict[str, Any] = request.get("variables") or {}
        if operation is not None and (
            errors := check_variables(runtime.schema, operation, variables)
        ):
            return Rejected(list(errors))
        operation_name = request.get("operationName")
        projector = Projector.build(
            runtime.schema, document, variables, operation_name, auth, runtime.policy
        )
        if isinstance(projector, list):
            return Rejected([_located(error) for error in projector])
        root = _root_field(runtime, projector)
        if isinstance(root, RealtimeError):
            return Rejected([root])
        field_name, filter_ = root
        if len(filter_) > self.settings.max_filter_arguments:
            return Rejected([too_many_filters(self.settings.max_filter_arguments)])
        key = _group_key(runtime, request, auth)
        return Accepted(field_name, filter_, projector, key)

    def subscribe(
        self, accepted: Accepted, deliver: Callable[[Delivery], None], label: str
    ) -> Subscription:
        subscription = Subscription(
            field_name=accepted.field_name,
            filter=accepted.filter,
            projector=accepted.projector,
            group_key=accepted.group_key,
            deliver=deliver,
            label=label,
        )
        self.publisher.start()
        self.registry.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self.registry.remove(subscription)

    async def stream(
        self,
        auth: AuthContext,
        headers: dict[str, str],
        request: Mapping[str, Any],
        label: str,
    ) -> AsyncGenerator[ExecutionResult, None]:
        """Strawberry's `schema.stream` contract, for graphql-transport-ws."""
        outcome = await self.start(auth, headers, request, operations=True)
        if isinstance(outcome, Rejected):
            yield PreExecutionError(data=None, errors=outcome.errors)
            return
        if isinstance(outcome, Answered):
            yield outcome.result
            return
        queue: asyncio.Queue[Delivery] = asyncio.Queue()
        subscription = self.subscribe(outcome, queue.put_nowait, label)
        try:
            while True:
                yield (await queue.get()).result
        finally:
            self.unsubscribe(subscription)

    async def _execute(
        self, auth: AuthContext, headers: dict[str, str], request: Mapping[str, Any]
    ) -> ExecutionResult:
        context = self.engine.new_context(auth=auth, headers=headers)
        try:
            return await self.engine.execute(
                context,
                request.get("query"),
                request.get("variables"),
                request.get("operationName"),
            )
        except HttpError as error:
            return ExecutionResult(data=None, errors=[request_error(error.message)])


def _checked(
    runtime: Runtime, request: Mapping[str, Any]
) -> tuple[DocumentNode, OperationDefinitionNode | None] | Rejected:
    """The parsed, validated document and its operation (None: executing will say why)."""
    query, variables = request.get("query"), request.get("variables") or {}
    if not isinstance(query, str) or not isinstance(variables, dict):
        return Rejected([request_error(UNPARSABLE_MESSAGE)])
    prepared = runtime.documents.get(query)
    if prepared.document is None:
        return Rejected([request_error(UNPARSABLE_MESSAGE)])
    if prepared.errors:
        return Rejected(list(prepared.errors))
    return prepared.document, _operation(prepared.document, request.get("operationName"))


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((op for op in operations if op.name and op.name.value == name), None)


def _root_field(
    runtime: Runtime, projector: Projector
) -> tuple[str, ArgumentFilter] | RealtimeError:
    """The one root field (validation guarantees at most one) and its given arguments."""
    executor = projector.executor
    subscription = runtime.schema.subscription_type
    if subscription is None:
        return unsupported("subscription")
    collected = collect_fields(
        runtime.schema,
        executor.fragments,
        executor.variable_values,
        subscription,
        executor.operation,
    )
    for details in collected.grouped_field_set.values():
        node = details[0].node
        field = subscription.fields[node.name.value]
        arguments = get_argument_values(field, node, executor.variable_values)
        return node.name.value, ArgumentFilter.of(field, arguments)
    return RealtimeError("A subscription must select one top-level field.")


def _refuses(error: GraphQLError) -> bool:
    # The start resolver's value is not what subscribers receive (semantics §5.4), so AppSync's
    # own checks of that value (a null for a non-null field, say) do not refuse the start.
    return not (isinstance(error, AppSyncError) and error.shape is Shape.COERCION)


def _located(error: GraphQLError) -> GraphQLError:
    if isinstance(error, AppSyncError):
        return error
    return request_error(error.message, error.nodes)


def _group_key(runtime: Runtime, request: Mapping[str, Any], auth: AuthContext) -> Hashable:
    """Subscriptions that would receive byte-identical events share a key."""
    strategy = (auth.identity or {}).get("defaultAuthStrategy")
    return (
        runtime.generation,
        request.get("query"),
        request.get("operationName"),
        json.dumps(request.get("variables") or {}, sort_keys=True, default=str),
        auth.mode,
        auth.groups,
        auth.denied_fields,
        strategy,
    )
