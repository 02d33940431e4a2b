"""What each subscriber receives: its own selection set, read from the published payload.

AppSync sends each subscriber the intersection of its selection set with the mutation's
(semantics §5.2): a field the mutation did not select arrives as null, or as an error when it
is non-null. So an event is executed with graphql-core (AppSync's completion and error shapes
via `AppSyncExecutor`) under a middleware that reads every field from the payload and never
calls a resolver: no Lambda runs per event, nested batch fields included. The `@aws_*`
directives still apply to each field, as on any response.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import MiddlewareManager
from strawberry.execution import optimized_is_awaitable
from strawberry.types import ExecutionResult

from devserver.appsync.errors import FieldError
from devserver.appsync.executor import AppSyncExecutor
from devserver.auth import is_denied
from devserver.execution.request import UNAUTHORIZED

if TYPE_CHECKING:
    from collections.abc import Callable

    from graphql import DocumentNode, GraphQLError, GraphQLResolveInfo, GraphQLSchema

    from devserver.auth import AuthContext, DirectivePolicy


@dataclass
class PublishScope:
    """The executor's context for events: the subscriber's caller, and what it missed."""

    auth: AuthContext
    policy: DirectivePolicy
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Projection:
    result: ExecutionResult
    missing: tuple[str, ...]  # selected fields the payload lacks, as `onX.field.sub` paths


class Projector:
    """One subscription's operation, prepared once at `start` and run for every event."""

    def __init__(self, executor: AppSyncExecutor, scope: PublishScope) -> None:
        self._executor = executor
        self._scope = scope

    @classmethod
    def build(  # noqa: PLR0917 - the executor's own inputs
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: dict[str, Any],
        operation_name: str | None,
        auth: AuthContext,
        policy: DirectivePolicy,
    ) -> Projector | list[GraphQLError]:
        scope = PublishScope(auth, policy)
        executor = AppSyncExecutor.build(
            schema,
            document,
            None,
            scope,
            variables,
            operation_name,
            middleware=MiddlewareManager(_read_published),
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type] # plain values only
        )
        if isinstance(executor, list):
            return executor
        assert isinstance(executor, AppSyncExecutor)  # noqa: S101 - build returns its own class
        return cls(executor, scope)

    @property
    def executor(self) -> AppSyncExecutor:
        return self._executor

    def project(self, root_value: Mapping[str, Any]) -> Projection:
        """The subscriber's `data` (and errors) for one event; synchronous, no I/O."""
        self._scope.missing.clear()
        outcome: Any = self._executor.build_per_event_executor(root_value).execute_operation()
        if inspect.isawaitable(outcome):  # never: the middleware returns plain values
            raise TypeError("a subscription event must project synchronously")
        missing = tuple(dict.fromkeys(self._scope.missing))
        return Projection(ExecutionResult(data=outcome.data, errors=outcome.errors), missing)


def _read_published(
    next_: Callable[..., Any], source: Any, info: GraphQLResolveInfo[Any], **arguments: Any
) -> Any:
    name = info.field_name
    if name.startswith("__"):  # __typename comes from the schema, not the payload
        return next_(source, info, **arguments)
    scope: PublishScope = info.context
    parent = info.parent_type.name
    message = scope.policy.error(parent, name, scope.auth)
    if message is not None:
        raise FieldError(UNAUTHORIZED, message)
    if is_denied(scope.auth, parent, name):
        return None
    if not isinstance(source, Mapping):
        return None
    if name not in source:
        keys = [str(key) for key in info.path.as_list() if not isinstance(key, int)]
        scope.missing.append(".".join(keys))
        return None
    return source[name]
