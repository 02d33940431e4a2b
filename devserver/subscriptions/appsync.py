"""The AppSync real-time protocol on one WebSocket (sub-protocol `graphql-ws`, semantics §6).

The connection's states:
- awaiting `connection_init`: every other message is ignored, as AppSync documents. Processing
  a `start` here is the hole Strawberry's legacy `graphql-ws` handler had (CVE-2026-35523).
  The handshake's credentials were checked when the socket opened; if they failed, the
  `connection_init` is answered with `connection_error` and the socket is closed.
- ready: `connection_ack` (with `connectionTimeoutMs`) and a first `ka` went out, more `ka`s
  follow periodically. `start` is authenticated again from its `extensions.authorization` (it
  may use another mode), then checked and registered in its own task, so a slow subscription
  resolver never holds up `stop` or other starts. Ids are unique among live operations.
- closing: a `_Close` is queued behind everything already queued, so a `connection_error`
  reaches the client before the close frame.

All output goes through one outbox and one writer task, which keeps `start_ack` ahead of the
first `data` and keeps a slow client from slowing the publisher.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from devserver.auth import Unauthenticated
from devserver.http import json_input
from devserver.subscriptions.errors import (
    duplicated,
    errors_payload,
    max_subscriptions,
    unauthenticated,
    unsupported,
)
from devserver.subscriptions.handshake import Handshake
from devserver.subscriptions.service import Accepted, Rejected

if TYPE_CHECKING:
    from graphql import GraphQLError
    from starlette.websockets import WebSocket

    from devserver.auth import AuthContext
    from devserver.subscriptions.registry import Delivery, Subscription
    from devserver.subscriptions.service import SubscriptionService

logger = logging.getLogger("devserver.subscriptions")

GRAPHQL_WS = "graphql-ws"
CONNECT_PATH = "/graphql/connect"  # what an IAM handshake signature covers, with body `{}`
START_PATH = "/graphql"  # what an IAM `start` signature covers, with the `data` string as body
# Close codes AppSync uses are UNCONFIRMED; these follow graphql-ws's conventions.
CLOSE_UNAUTHORIZED = 4401
CLOSE_INIT_TIMEOUT = 4408
CLOSE_NORMAL = 1000


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str


class AppSyncConnection:
    def __init__(self, websocket: WebSocket, service: SubscriptionService, label: str) -> None:
        self._websocket = websocket
        self._service = service
        self._settings = service.settings
        self._label = label
        self._handshake = Handshake.of(websocket)
        self._auth: AuthContext | Unauthenticated = Unauthenticated()
        self._ready = False
        self._closing = False
        self._outbox: asyncio.Queue[str | _Close] = asyncio.Queue()
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._active: dict[str, Subscription] = {}
        self._keep_alive: asyncio.Task[None] | None = None

    async def serve(self) -> None:
        """Run the connection until the client leaves, the protocol closes it, or 24 h pass."""
        await self._websocket.accept(subprotocol=GRAPHQL_WS)
        try:
            self._auth = await self._service.authenticate(
                self._handshake.credentials(),
                source_ip=self._handshake.peer,
                path=CONNECT_PATH,
                body=b"{}",
            )
        except Unauthenticated as error:
            self._auth = error
        reader = asyncio.create_task(self._read())
        writer = asyncio.create_task(self._write())
        try:
            done, _ = await asyncio.wait(
                {reader, writer},
                timeout=self._settings.max_connection_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not done:  # AppSync ends every connection after its maximum duration
                self._close(CLOSE_NORMAL, "Connection duration limit reached")
                await asyncio.wait({writer}, timeout=5)
        finally:
            await self._shutdown(reader, writer)

    async def _shutdown(self, *tasks: asyncio.Task[None]) -> None:
        for subscription in self._active.values():
            self._service.unsubscribe(subscription)
        self._active.clear()
        pending = [*tasks, *self._pending.values()]
        if self._keep_alive is not None:
            pending.append(self._keep_alive)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        init_deadline = loop.time() + self._settings.connection_init_timeout_seconds
        while True:
            waiting_for_init = not self._ready and not self._closing
            timeout = max(init_deadline - loop.time(), 0) if waiting_for_init else None
            try:
                message = await asyncio.wait_for(self._websocket.receive(), timeout)
            except TimeoutError:
                self._close(CLOSE_INIT_TIMEOUT, "Connection initialisation timeout")
                continue
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                text = (message.get("bytes") or b"").decode("utf-8", errors="replace")
            self._handle(text)

    def _handle(self, text: str) -> None:
        if self._closing:
            return
        try:
            message = json_input.loads(text)
        except ValueError:
            message = None
        kind = message.get("type") if isinstance(message, dict) else None
        if not self._ready:
            if kind == "connection_init":
                self._init()
            else:
                logger.warning(
                    "%s: ignored %r before connection_init, as AppSync does", self._label, kind
                )
            return
        if kind == "start" and isinstance(message, dict):
            self._start(message)
        elif kind == "stop" and isinstance(message, dict):
            self._stop(message.get("id"))
        elif kind != "connection_init":  # a repeated init is harmless
            self._error(None, [unsupported()])

    def _init(self) -> None:
        if isinstance(self._auth, Unauthenticated):
            payload = errors_payload([unauthenticated(self._auth, with_code=True)])
            self._send({"type": "connection_error", "payload": payload})
            self._close(CLOSE_UNAUTHORIZED, "Unauthorized")
            return
        self._ready = True
        timeout_ms = self._settings.connection_timeout_ms
        self._send({"type": "connection_ack", "payload": {"connectionTimeoutMs": timeout_ms}})
        self._send({"type": "ka"})
        self._keep_alive = asyncio.create_task(self._keep_alive_loop())

    def _start(self, message: dict[str, Any]) -> None:
        operation_id, payload = message.get("id"), message.get("payload")
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(operation_id, str) or not operation_id or not isinstance(data, str):
            if isinstance(payload, dict) and "query" in payload:
                logger.warning(
                    "%s: a start with `query` instead of AppSync's `data` string looks like "
                    "Apollo's legacy subscriptions-transport-ws, which is not served here; "
                    "use an AppSync real-time client (Amplify's generateClient, Apollo with "
                    "aws-appsync-subscription-link, gql's AppSyncWebsocketsTransport)",
                    self._label,
                )
            self._error(None, [unsupported()])  # AppSync answers without an id here
            return
        if operation_id in self._pending or operation_id in self._active:
            self._error(operation_id, [duplicated(operation_id)])
            return
        limit = self._settings.max_subscriptions_per_connection
        if len(self._pending) + len(self._active) >= limit:
            self._error(operation_id, [max_subscriptions(limit)])
            return
        extensions = payload.get("extensions") if isinstance(payload, dict) else None
        self._pending[operation_id] = asyncio.create_task(
            self._run_start(operation_id, data, extensions)
        )

    async def _run_start(self, operation_id: str, data: str, extensions: Any) -> None:
        try:
            await self._register(operation_id, data, extensions)
        except Exception:
            logger.exception("%s: start %s failed", self._label, operation_id)
        finally:
            self._pending.pop(operation_id, None)

    async def _register(self, operation_id: str, data: str, extensions: Any) -> None:
        try:
            request = json_input.loads(data)
        except ValueError:
            request = None
        if not isinstance(request, dict):
            self._error(operation_id, [unsupported()])
            return
        authorization = extensions.get("authorization") if isinstance(extensions, dict) else None
        credentials = self._handshake.as_credentials(
            authorization if isinstance(authorization, dict) else {}
        )
        try:
            auth = await self._service.authenticate(
                credentials,
                source_ip=self._handshake.peer,
                path=START_PATH,
                body=data.encode(),
                operation=request,
            )
        except Unauthenticated as error:
            self._error(operation_id, [unauthenticated(error, with_code=False)])
            return
        headers = {**self._handshake.headers, **credentials}
        outcome = await self._service.start(auth, headers, request, operations=False)
        if not isinstance(outcome, Accepted):  # never Answered: operations=False
            self._error(operation_id, outcome.errors if isinstance(outcome, Rejected) else [])
            return
        self._send({"type": "start_ack", "id": operation_id})
        self._active[operation_id] = self._service.subscribe(
            outcome,
            partial(self._deliver, operation_id),
            f"{self._label}/{operation_id}",
        )

    def _stop(self, operation_id: Any) -> None:
        if not isinstance(operation_id, str):
            return
        task = self._pending.pop(operation_id, None)
        subscription = self._active.pop(operation_id, None)
        if task is not None:
            task.cancel()
        if subscription is not None:
            self._service.unsubscribe(subscription)
        if task is None and subscription is None:
            logger.info("%s: stop for unknown operation %s", self._label, operation_id)
            return
        self._send({"type": "complete", "id": operation_id})

    def _deliver(self, operation_id: str, delivery: Delivery) -> None:
        # The payload is encoded once per event and group; only the envelope is per subscriber.
        self._send_text(
            f'{{"type":"data","id":{json.dumps(operation_id)},"payload":{delivery.payload_json}}}'
        )

    async def _keep_alive_loop(self) -> None:
        while True:
            await asyncio.sleep(self._settings.keep_alive_seconds)
            self._send({"type": "ka"})

    def _error(self, operation_id: str | None, errors: list[GraphQLError]) -> None:
        message: dict[str, Any] = {"type": "error"}
        if operation_id is not None:
            message["id"] = operation_id
        message["payload"] = errors_payload(errors)
        self._send(message)

    def _send(self, message: dict[str, Any]) -> None:
        self._send_text(json.dumps(message, separators=(",", ":")))

    def _send_text(self, text: str) -> None:
        if self._closing:
            return
        if self._outbox.qsize() >= self._settings.outbox_limit:
            logger.warning("%s is not reading its messages; dropping one", self._label)
            return
        self._outbox.put_nowait(text)

    def _close(self, code: int, reason: str) -> None:
        if not self._closing:
            self._closing = True
            self._outbox.put_nowait(_Close(code, reason))

    async def _write(self) -> None:
        while True:
            item = await self._outbox.get()
            if isinstance(item, _Close):
                with contextlib.suppress(Exception):  # the client may be gone already
                    await self._websocket.close(item.code, item.reason)
                return
            try:
                await self._websocket.send_text(item)
            except Exception:  # noqa: BLE001 - any send failure means the client is gone
                return
