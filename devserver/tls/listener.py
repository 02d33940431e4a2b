"""Serve one ASGI app on a plain socket and, beside it, on a TLS socket, in one event loop.

The plain server is the primary: it runs the app's lifespan and owns Ctrl-C. The TLS server
runs no lifespan of its own (the app must start and stop once) and stops when the primary does.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    import socket
    from collections.abc import Iterator

    from devserver.tls.certificates import ServerCertificate


class CompanionServer(uvicorn.Server):
    """A uvicorn server that follows `primary`: same stop, and no signal handlers of its own."""

    def __init__(self, config: uvicorn.Config, primary: uvicorn.Server) -> None:
        super().__init__(config)
        self.primary = primary

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The primary's handlers stop both; two servers swapping handlers would lose a Ctrl-C.
        yield

    async def on_tick(self, counter: int) -> bool:
        return self.primary.should_exit or await super().on_tick(counter)


def companion_config(primary: uvicorn.Config, certificate: ServerCertificate) -> uvicorn.Config:
    """The primary's settings over TLS, without the lifespan (the primary runs it)."""
    return uvicorn.Config(
        primary.app,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=primary.timeout_graceful_shutdown,
        ssl_certfile=str(certificate.certfile),
        ssl_keyfile=str(certificate.keyfile),
    )


def serve_with_tls(
    primary: uvicorn.Server,
    plain: socket.socket,
    companion: tuple[CompanionServer, socket.socket] | None,
) -> None:
    """Block until the primary stops (Ctrl-C, SIGTERM, `should_exit`), then stop the companion."""

    async def both() -> None:
        task = None
        if companion is not None:
            server, secure = companion
            task = asyncio.ensure_future(server.serve(sockets=[secure]))
        try:
            await primary.serve(sockets=[plain])
        finally:
            primary.should_exit = True  # also when it never started, e.g. a failed lifespan
            if task is not None:
                await task

    asyncio.run(both())
