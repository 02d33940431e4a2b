"""The WebSocket endpoint at `/graphql` and `/graphql/realtime`: one protocol per sub-protocol.

AppSync's protocol and Apollo's legacy one share the sub-protocol name `graphql-ws`. Every
AppSync client sends it, so `graphql-ws` always means AppSync's protocol here, and Apollo's
legacy subscriptions-transport-ws is not served (its `start` carries a `query` object, which is
answered as AppSync answers it, and logged). A client that also offers `graphql-transport-ws`
gets that protocol: no AppSync client offers it, and clients offering both speak it.
"""

from __future__ import annotations

import itertools
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
        if GRAPHQL_TRANSPORT_WS_PROTOCOL in offered:
            await self._transport_ws(scope, receive, send)
            return
        websocket = WebSocket(scope, receive, send)
        if GRAPHQL_WS in offered:
            peer = websocket.client.host if websocket.client else "?"
            label = f"appsync {peer} #{next(self._connections)}"
            await AppSyncConnection(websocket, self.service, label).serve()
            return
        logger.warning(
            "WebSocket refused: it offers sub-protocols %s; use graphql-ws (AppSync's "
            "real-time protocol) or graphql-transport-ws",
            offered,
        )
        await websocket.close(CLOSE_PROTOCOL_ERROR)  # before accept: the handshake gets a 403
