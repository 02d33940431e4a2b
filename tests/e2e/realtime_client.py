"""A bare AppSync real-time client for protocol-level tests: every frame in order, nothing hidden."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets
from gql import GraphQLRequest
from websockets.asyncio.client import ClientConnection

RECEIVE_TIMEOUT = 5.0


def encode_header(headers: dict[str, str]) -> str:
    return base64.b64encode(json.dumps(headers).encode()).decode()


class RealtimeClient:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, seconds: float = RECEIVE_TIMEOUT) -> dict[str, Any]:
        """The next message that is not a keep-alive."""
        while True:
            message = await self.receive_any(seconds)
            if message["type"] != "ka":
                return message

    async def receive_any(self, seconds: float = RECEIVE_TIMEOUT) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.connection.recv(), seconds)
        message: dict[str, Any] = json.loads(raw)
        return message

    async def init(self) -> dict[str, Any]:
        """connection_init, then the connection_ack."""
        await self.send({"type": "connection_init"})
        return await self.receive()

    async def start(
        self,
        operation_id: str,
        query: str,
        authorization: dict[str, str],
        variables: dict[str, Any] | None = None,
    ) -> None:
        data = json.dumps({"query": query, "variables": variables or {}})
        await self.send(
            {
                "id": operation_id,
                "type": "start",
                "payload": {"data": data, "extensions": {"authorization": authorization}},
            }
        )

    async def subscribe(
        self,
        operation_id: str,
        query: str,
        authorization: dict[str, str],
        variables: dict[str, Any] | None = None,
    ) -> None:
        """start, and insist on its start_ack."""
        await self.start(operation_id, query, authorization, variables)
        answer = await self.receive()
        assert answer == {"type": "start_ack", "id": operation_id}, answer


@asynccontextmanager
async def realtime(
    ws_url: str,
    header: dict[str, str] | None = None,
    *,
    subprotocols: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> AsyncIterator[RealtimeClient]:
    """Connect as AppSync clients do: `?header=<base64 JSON>&payload=e30=` (unless told otherwise)."""
    url = ws_url if header is None else f"{ws_url}?header={encode_header(header)}&payload=e30="
    async with websockets.connect(
        url,
        subprotocols=subprotocols or ["graphql-ws"],  # type: ignore[list-item]
        additional_headers=headers,
        open_timeout=5,
        close_timeout=2,
    ) as connection:
        yield RealtimeClient(connection)


class Collector:
    """Runs one gql subscription in the background and keeps every event (or the error)."""

    def __init__(self, session: Any, query: str, variables: dict[str, Any] | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.error: Exception | None = None
        self._arrived = asyncio.Event()
        self._task = asyncio.ensure_future(self._run(session, query, variables))

    async def _run(self, session: Any, query: str, variables: dict[str, Any] | None) -> None:
        try:
            async for data in session.subscribe(GraphQLRequest(query, variable_values=variables)):
                self.events.append(data)
                self._arrived.set()
        except Exception as error:  # noqa: BLE001 - the test inspects it
            self.error = error
        self._arrived.set()

    async def wait_for(self, count: int, seconds: float = RECEIVE_TIMEOUT) -> list[dict[str, Any]]:
        async def arrived() -> None:
            while len(self.events) < count and self.error is None:
                self._arrived.clear()
                await self._arrived.wait()

        await asyncio.wait_for(arrived(), seconds)
        return self.events

    async def finished(self, seconds: float = RECEIVE_TIMEOUT) -> Exception | None:
        """Wait until the subscription ends (an error, or the server's `complete`)."""
        await asyncio.wait_for(asyncio.shield(self._task), seconds)
        return self.error

    async def stop(self) -> list[dict[str, Any]]:
        # Let every message already received reach this consumer before stopping it.
        for _ in range(5):
            await asyncio.sleep(0)
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        return self.events


async def subscriptions_reach(registry: Any, count: int, seconds: float = RECEIVE_TIMEOUT) -> None:
    """Wait until the server has registered `count` subscriptions (gql ignores start_ack)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while len(registry) != count:
        if loop.time() > deadline:
            raise TimeoutError(f"{len(registry)} subscriptions registered, expected {count}")
        await asyncio.sleep(0.01)
