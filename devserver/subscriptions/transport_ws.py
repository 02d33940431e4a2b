"""graphql-transport-ws (Apollo's GraphQLWsLink, urql, gql), run by Strawberry's own handler.

AppSync refuses this protocol, and so does the devserver unless `allow_graphql_transport_ws`.
Strawberry speaks the protocol: the init timeout (4408), a single init (4429), no `subscribe`
before `connection_ack` (4401), unique ids (4409) and the per-connection limit. The devserver
authenticates `connection_init` and, through `AppSyncSchema.stream`, starts subscriptions with
the same checks, filters and events as the AppSync protocol; queries and mutations sent here
run as over HTTP. Credentials come from `connection_init`'s payload (flat, or under
`headers`), else the `header` query parameter, else the upgrade request's headers. A failure
closes the socket with graphql-ws's 4403 Forbidden.

Frames are decoded by `devserver.http.json_input` (too deep is bad JSON), and a frame that is
JSON but not a message the protocol defines closes the socket with 4400, as the protocol says:
Strawberry's handler indexes into frames and crashed on `"junk"`, `[]`, `5` or `null`.
"""

from __future__ import annotations

import itertools
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.types.unset import UnsetType

from devserver.auth import Unauthenticated
from devserver.http import json_input
from devserver.subscriptions.appsync import CONNECT_PATH
from devserver.subscriptions.handshake import Handshake

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator

    from starlette.requests import Request
    from starlette.responses import Response
    from strawberry.schema.base import BaseSchema
    from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message
    from strawberry.types import ExecutionResult

    from devserver.auth import AuthContext
    from devserver.subscriptions.service import SubscriptionService

logger = logging.getLogger("devserver.subscriptions")


class SubscriberContext:
    """One graphql-transport-ws connection: Strawberry fills `connection_params`, we `auth`."""

    def __init__(self, service: SubscriptionService, handshake: Handshake, label: str) -> None:
        self.service = service
        self.handshake = handshake
        self.label = label
        self.connection_params: dict[str, Any] | None = None
        self.auth: AuthContext | None = None
        self.headers: dict[str, str] = dict(handshake.headers)
        self._operations = itertools.count(1)

    def stream(
        self, query: str | None, variables: dict[str, Any] | None, operation_name: str | None
    ) -> AsyncGenerator[ExecutionResult, None]:
        if self.auth is None:  # Strawberry closes with 4401 before this can happen
            raise RuntimeError("subscribe before connection_ack")
        request = {"query": query, "variables": variables, "operationName": operation_name}
        label = f"{self.label}/{next(self._operations)}"
        return self.service.stream(self.auth, self.headers, request, label)


class CheckedMessagesHandler(BaseGraphQLTransportWSHandler[SubscriberContext, None]):
    """Strawberry's protocol handler, given only frames shaped as the protocol defines them."""

    async def handle_message(self, message: Message) -> None:
        problem = _shape_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)


def _shape_problem(message: object) -> str | None:
    """Why a decoded frame is not a graphql-transport-ws message Strawberry can read."""
    if not isinstance(message, dict):
        return "WebSocket message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "WebSocket message must have a string type"
    if kind in {"subscribe", "complete"} and not isinstance(message.get("id"), str):
        return f"{kind} message must have a string id"
    payload = message.get("payload")
    if kind == "subscribe" and not (
        isinstance(payload, dict) and isinstance(payload.get("query"), str)
    ):
        return "subscribe message must have a payload with a query string"
    return None


class TransportWsView(GraphQL[SubscriberContext, None]):
    """A WebSocket-only Strawberry view over the devserver's schema."""

    graphql_transport_ws_handler_class = CheckedMessagesHandler

    def __init__(self, schema: BaseSchema, service: SubscriptionService) -> None:
        settings = service.settings
        super().__init__(
            schema,
            graphql_ide=None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(
                seconds=settings.connection_init_timeout_seconds
            ),
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
            # AppSync takes WebSockets from any origin, so a frontend on another port works.
            allowed_origins=("*",),
        )
        self.service = service
        self._connections = itertools.count(1)

    def decode_json(self, data: str | bytes) -> object:
        return json_input.loads(data)

    async def get_context(
        self,
        request: Request | WebSocket,
        response: Response | WebSocket,  # noqa: ARG002 - Strawberry's signature
    ) -> SubscriberContext:
        if not isinstance(request, WebSocket):
            # Mounted on WebSocket routes only; HTTP requests go to the devserver's HTTP view.
            raise TypeError("this view serves graphql-transport-ws WebSockets only")
        handshake = Handshake.of(request)
        label = f"graphql-transport-ws {handshake.peer} #{next(self._connections)}"
        return SubscriberContext(self.service, handshake, label)

    async def on_ws_connect(
        self, context: SubscriberContext
    ) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        nested = params.get("headers")
        credentials = context.handshake.credentials(
            nested if isinstance(nested, dict) else None, params
        )
        try:
            context.auth = await self.service.authenticate(
                credentials, source_ip=context.handshake.peer, path=CONNECT_PATH, body=b"{}"
            )
        except Unauthenticated as error:
            raise ConnectionRejectionError(error.response_body()) from error
        context.headers = {**context.handshake.headers, **credentials}
        return UnsetType()  # a plain connection_ack
