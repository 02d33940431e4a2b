"""A devserver on a free port, served by uvicorn in a thread of this process."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from devserver.app import create_app
from devserver.config import DevServerConfig
from devserver.http.server import server_config


@dataclass
class RunningServer:
    """A devserver listening on 127.0.0.1, with an HTTP client that talks to it."""

    app: Starlette
    base_url: str
    api_key: str | None
    client: httpx.Client

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    @property
    def ws_url(self) -> str:
        return self.graphql_url.replace("http://", "ws://")

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        operation_name: str | None = None,
    ) -> httpx.Response:
        """POST one operation, authenticated with the API key unless `headers` say otherwise."""
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        if operation_name is not None:
            body["operationName"] = operation_name
        sent = {"x-api-key": self.api_key} if self.api_key and headers is None else {}
        return self.client.post(self.graphql_url, json=body, headers={**sent, **(headers or {})})

    def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON body of a 200 answer."""
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result


@contextmanager
def preserved_environ() -> Iterator[None]:
    """Undo the Lambda-like variables the devserver exports, for the tests that run later."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def bind_free_port() -> socket.socket:
    """A loopback socket on a free port, bound before the app exists (its URL goes in config)."""
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted connections of sockets
    # that say so, and without it every keep-alive request waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def start_devserver(
    config: DevServerConfig, *, sock: socket.socket | None = None, **app_options: Any
) -> Iterator[RunningServer]:
    """Serve `create_app(config)` with uvicorn on a free port (or `sock`) until the block ends."""
    with preserved_environ():
        yield from _serve(create_app(config, **app_options), config, sock or bind_free_port())


def _serve(app: Starlette, config: DevServerConfig, sock: socket.socket) -> Iterator[RunningServer]:
    port = sock.getsockname()[1]
    server = uvicorn.Server(server_config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("devserver did not start")
        time.sleep(0.01)
    base_url = f"http://127.0.0.1:{port}"
    api_key = config.api_key
    try:
        with httpx.Client(timeout=30) as client:
            yield RunningServer(app=app, base_url=base_url, api_key=api_key, client=client)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
