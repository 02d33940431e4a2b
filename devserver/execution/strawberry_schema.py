"""The seam into Strawberry: a `BaseSchema` whose execution is the devserver's engine.

Strawberry's views (HTTP, and its graphql-transport-ws handler) only talk to a schema
through `execute`/`subscribe`/`stream`. Implementing that protocol over a schema built from
SDL keeps Strawberry's transports while leaving type definitions to `schema.graphql` alone:
no Python mirror of the types exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from graphql import print_schema
from strawberry.schema.base import BaseSchema
from strawberry.schema.config import StrawberryConfig

from devserver.execution.request import RequestContext
from devserver.subscriptions.transport_ws import SubscriberContext

if TYPE_CHECKING:
    from collections.abc import Iterable

    from strawberry.directive import StrawberryDirective
    from strawberry.schema.schema import StreamResult, SubscriptionResult
    from strawberry.types import ExecutionResult
    from strawberry.types.graphql import OperationType

    from devserver.execution.engine import Engine


class AppSyncSchema(BaseSchema):
    """A Strawberry schema backed by the engine's current runtime (reloads included)."""

    # There are no Strawberry-typed roots: every type comes from schema.graphql.
    query = None  # type: ignore[assignment]
    mutation = None
    subscription = None
    schema_converter = None  # type: ignore[assignment]

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.config = StrawberryConfig()  # batching_config None: AppSync takes one operation
        self.schema_directives = []
        self.exception_handlers = ()

    async def execute(  # noqa: PLR0917 - Strawberry's signature
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,  # noqa: ARG002
        operation_extensions: dict[str, Any] | None = None,  # noqa: ARG002
    ) -> ExecutionResult:
        if not isinstance(context_value, RequestContext):
            raise TypeError("the devserver view passes a RequestContext as the context")
        return await self.engine.execute(
            context_value, query, variable_values, operation_name, root_value=root_value
        )

    def execute_sync(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        # Strawberry's interface asks for it; only its sync (WSGI) views call it, and the
        # devserver serves ASGI only, so reaching this is a wiring mistake.
        raise TypeError("the devserver schema runs under ASGI views only; use execute()")

    async def subscribe(  # noqa: PLR0917 - Strawberry's signature
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,  # noqa: ARG002 - events are the root values
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,  # noqa: ARG002
    ) -> SubscriptionResult:
        return _subscriber(context_value).stream(query, variable_values, operation_name)

    async def stream(  # noqa: PLR0917 - Strawberry's signature
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,  # noqa: ARG002 - events are the root values
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,  # noqa: ARG002
        allowed_operation_types: Iterable[OperationType] | None = None,  # noqa: ARG002
    ) -> StreamResult:
        # graphql-transport-ws: subscriptions start and receive events through the devserver's
        # subscription service; queries and mutations yield one result.
        return _subscriber(context_value).stream(query, variable_values, operation_name)

    def get_type_by_name(self, name: str) -> None:  # noqa: ARG002 - no Strawberry types here
        return None

    def get_directive_by_name(self, graphql_name: str) -> StrawberryDirective[Any] | None:  # noqa: ARG002
        return None

    def as_str(self) -> str:
        return print_schema(self.engine.holder.current.schema)


def _subscriber(context: Any) -> SubscriberContext:
    if not isinstance(context, SubscriberContext):
        raise TypeError("the devserver's graphql-transport-ws view passes a SubscriberContext")
    return context
