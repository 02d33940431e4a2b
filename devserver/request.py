"""Per-request state: the caller, the 30 s budget, the batch queues, and the Direct Lambda event."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo, get_named_type

from devserver.auth import is_denied
from devserver.batching import BatchCollector
from devserver.errors import ExecutionTimeoutError, FieldError
from devserver.eventjson import Event, EventEncoder, Info
from devserver.selection import selection_set_graphql, selection_set_list

if TYPE_CHECKING:
    from collections.abc import Mapping

    from graphql import FieldNode

    from devserver.auth import AuthContext
    from devserver.invoke import Invoker
    from devserver.loader import LoadedFunction
    from devserver.runtime import PreparedDocument, Runtime
    from devserver.wiring import FieldResolver

UNAUTHORIZED = "Unauthorized"


@dataclass(frozen=True)
class RootCall:
    """What a root field's resolver was asked and answered (for subscription publishing)."""

    field_name: str
    response_key: str
    arguments: dict[str, Any]
    value: Any  # the Lambda's raw answer, before output coercion
    field_nodes: tuple[FieldNode, ...]


@dataclass
class RequestContext:
    """Everything resolvers need about one GraphQL request; Strawberry passes it as the context.

    It holds the runtime the request started with, so a hot reload mid-request never mixes an
    old schema with new handlers.
    """

    runtime: Runtime
    invoker: Invoker
    auth: AuthContext
    headers: dict[str, str]  # lower-cased, `cookie` removed: `request.headers` of the event
    timeout_seconds: float
    request_id: str
    variables: dict[str, Any] = field(default_factory=dict)
    # True while executing a subscription event: root subscription fields read the published
    # payload from the root value instead of invoking their (start-time) resolver.
    publish: bool = False
    document: PreparedDocument | None = None
    root_calls: list[RootCall] = field(default_factory=list)
    deadline: float = 0.0
    deadline_epoch_ms: int = 0
    _batches: BatchCollector | None = None
    _cleared: set[tuple[str, str]] | None = None  # fields the directives let this caller read
    _infos: dict[tuple[object, ...], Info] = field(default_factory=dict)  # per field
    _encoder: EventEncoder | None = None
    # Whose share of the functions' workers this request's invocations use.
    _owner: object = field(default_factory=object)

    def start_clock(self) -> None:
        """Begin the request's budget: AppSync's 30 s count from when execution starts."""
        self.deadline = asyncio.get_running_loop().time() + self.timeout_seconds
        self.deadline_epoch_ms = int((time.time() + self.timeout_seconds) * 1000)
        # A context executed again (with other variables, say) builds its events afresh.
        self._infos = {}
        self._encoder = None

    def gate(self, parent_type: str, field_name: str) -> bool:
        """Apply the `@aws_*` directives: raise `Unauthorized`; True if the field is denied."""
        cleared = self._cleared
        if cleared is None:
            cleared = self._cleared = self.runtime.policy.cleared(self.auth)
        key = (parent_type, field_name)
        if key not in cleared:
            message = self.runtime.policy.error(parent_type, field_name, self.auth)
            if message is not None:
                raise FieldError(UNAUTHORIZED, message)
            cleared.add(key)
        return bool(self.auth.denied_fields) and is_denied(self.auth, parent_type, field_name)

    def event(self, info: GraphQLResolveInfo[Any], source: Any, arguments: dict[str, Any]) -> Event:
        """The Direct Lambda resolver event AppSync sends for this field (semantics §1.2).

        Only what differs between the request's events is kept (`devserver.eventjson`); its
        `info` is shared by every event of the field.
        """
        key = (info.parent_type.name, *map(id, info.field_nodes))
        info_part = self._infos.get(key)
        if info_part is None:
            selection_list, selection_graphql = self._selection(info, key)
            info_part = self._infos[key] = Info(
                {
                    "selectionSetList": selection_list,
                    "selectionSetGraphQL": selection_graphql,
                    "parentTypeName": info.parent_type.name,
                    "fieldName": info.field_name,
                    "variables": self.variables,
                }
            )
        return Event(arguments, None if info.path.prev is None else source, info_part)

    def _selection(
        self, info: GraphQLResolveInfo[Any], key: tuple[object, ...]
    ) -> tuple[list[str], str]:
        document = self.document
        cacheable = document is not None and not document.conditional
        if cacheable and (cached := document.selections.get(key)) is not None:  # type: ignore[union-attr]
            return cached
        built = (
            selection_set_list(
                info.schema,
                get_named_type(info.return_type),
                info.field_nodes,
                info.fragments,
                info.variable_values,
            ),
            selection_set_graphql(info.field_nodes),
        )
        if cacheable:
            document.selections[key] = built  # type: ignore[union-attr]
        return built

    async def invoke(self, function: LoadedFunction, payload: Event | list[Event]) -> Any:
        encoder = self._encoder
        if encoder is None:
            encoder = self._encoder = EventEncoder(self.auth.identity, self.headers)
        return await self.invoker.invoke(
            function,
            payload,
            deadline=self.deadline,
            deadline_epoch_ms=self.deadline_epoch_ms,
            encode=encoder.encode,
            owner=self._owner,
        )

    def enqueue(self, resolver: FieldResolver, event: Event) -> asyncio.Future[Any]:
        if asyncio.get_running_loop().time() >= self.deadline:
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            future.set_exception(ExecutionTimeoutError())
            return future
        if self._batches is None:
            self._batches = BatchCollector(self._invoke_batch)
        return self._batches.enqueue(resolver, event)

    async def _invoke_batch(self, resolver: FieldResolver, events: list[Event]) -> Any:
        return await self.invoke(self.runtime.functions[resolver.function], events)


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """`request.headers` as AppSync shows them: lower-cased names, never the `cookie` header.

    A repeated header arrives comma-joined (Starlette joins nothing, so the last one would win;
    joining is the HTTP-equivalent form). How AppSync shows repeats is UNCONFIRMED.
    """
    lowered: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        if key == "cookie":
            continue
        lowered[key] = f"{lowered[key]},{value}" if key in lowered else value
    return lowered
