"""The WebSocket endpoint at `/graphql` and `/graphql/realtime`: one protocol per sub-protocol.

AppSync's protocol and Apollo's legacy one share the sub-protocol name `graphql-ws`. Every
AppSync client sends it, so `graphql-ws` always means AppSync's protocol here, and Apollo's
legacy subscriptions-transport-ws is not served (its `start` carries a `query` object, which is
answered as AppSync answers it, and logged).

AppSync refuses `graphql-transport-ws` (the graphql-ws npm package, Apollo's GraphQLWsLink,
urql), and so does the devserver by default (semantics, Addendum). Clients report the upgrade
accepted without a sub-protocol, then a `connection_error` whose only error is
`{"message": "SubProtocolNotSupportedError", "errorCode": 400}`; that is what is sent here,
before anything else. The close that follows is UNCONFIRMED: graphql-ws's 4406 ("Subprotocol
not acceptable") is used, which its client treats as final instead of retrying. With
`allow_graphql_transport_ws`, a client offering it gets that protocol (a client offering both
speaks it). Other sub-protocols are refused at the handshake (403).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from devserver.subscriptions.appsync import GRAPHQL_WS, AppSyncConnection
from devserver.subscriptions.service import SubscriptionService
from devserver.subscriptions.settings import SubscriptionSettings
from devserver.subscriptions.transport_ws import TransportWsView

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

    from devserver.auth import Authenticator
    from devserver.engine import Engine
    from devserver.schema import AppSyncSchema
    from devserver.subscriptions.registry import Registry

logger = logging.getLogger("devserver.subscriptions")

# `/graphql` is where gql's AppSync transport and same-origin clients connect; AppSync's
# custom-domain form is `/graphql/realtime` (semantics §6.1).
REALTIME_PATHS = ("/graphql", "/graphql/realtime")
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_SUBPROTOCOL_NOT_ACCEPTABLE = 4406
SUBPROTOCOL_NOT_SUPPORTED = json.dumps(
    {
        "type": "connection_error",
        "payload": {"errors": [{"message": "SubProtocolNotSupportedError", "errorCode": 400}]},
    },
    separators=(",", ":"),
)


class Subscriptions:
    """Subscriptions for one devserver: the shared service and an ASGI endpoint for both protocols."""

    def __init__(
        self,
        engine: Engine,
        authenticator: Authenticator,
        schema: AppSyncSchema,
        settings: SubscriptionSettings | None = None,
    ) -> None:
        self.settings = settings or SubscriptionSettings()
        self.service = SubscriptionService(engine, authenticator, self.settings)
        self._transport_ws = TransportWsView(schema, self.service)
        self._connections = itertools.count(1)

    @property
    def registry(self) -> Registry:
        return self.service.registry

    def routes(self) -> list[BaseRoute]:
        return [WebSocketRoute(path, self) for path in REALTIME_PATHS]

    async def aclose(self) -> None:
        await self.service.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        offered = scope.get("subprotocols") or []
        transport_ws = GRAPHQL_TRANSPORT_WS_PROTOCOL in offered
        if transport_ws and self.settings.allow_graphql_transport_ws:
            await self._transport_ws(scope, receive, send)
            return
        websocket = WebSocket(scope, receive, send)
        if transport_ws and GRAPHQL_WS not in offered:
            await _refuse_transport_ws(websocket)
            return
        if GRAPHQL_WS in offered:
            peer = websocket.client.host if websocket.client else "?"
            label = f"appsync {peer} #{next(self._connections)}"
            await AppSyncConnection(websocket, self.service, label).serve()
            return
        logger.warning(
            "WebSocket refused: it offers sub-protocols %s; use graphql-ws (AppSync's "
            "real-time protocol)",
            offered,
        )
        await websocket.close(CLOSE_PROTOCOL_ERROR)  # before accept: the handshake gets a 403


async def _refuse_transport_ws(websocket: WebSocket) -> None:
    peer = websocket.client.host if websocket.client else "?"
    logger.warning(
        "WebSocket from %s refused: graphql-transport-ws (the graphql-ws npm package, Apollo's "
        "GraphQLWsLink, urql's default) never works on AppSync. Use an AppSync real-time "
        "client: Amplify's generateClient, Apollo with aws-appsync-subscription-link, or gql's "
        "AppSyncWebsocketsTransport (--allow-graphql-transport-ws serves it anyway)",
        peer,
    )
    await websocket.accept()  # without a sub-protocol, as AppSync answers
    with contextlib.suppress(Exception):  # the client may give up on the missing sub-protocol
        await websocket.send_text(SUBPROTOCOL_NOT_SUPPORTED)
        await websocket.close(CLOSE_SUBPROTOCOL_NOT_ACCEPTABLE, "SubProtocolNotSupportedError")
