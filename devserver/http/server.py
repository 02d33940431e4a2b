"""uvicorn as the devserver runs it: every WebSocket upgrade gets an answer.

uvicorn hands an upgrade request to websockets' sans-I/O protocol, which refuses a request line
or header longer than its limits (8 KiB by default, `WEBSOCKETS_MAX_LINE_LENGTH`) by queueing a
414 or 431 response. uvicorn only writes what websockets queued once a request has parsed, so
the refusal was never sent: a client with a ~13 KB `header` query parameter waited forever.
AppSync's own limit on the upgrade request is UNCONFIRMED.
"""

from __future__ import annotations

from typing import Any

import uvicorn
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class AnsweringWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets protocol, which also sends websockets' refusal of a bad upgrade."""

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self.handshake_initiated and self.conn.handshake_exc is not None:
            # No request parsed, so no ASGI app runs: send the refusal and hang up.
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.transport.close()


def server_config(app: Any, **options: Any) -> uvicorn.Config:
    """The uvicorn settings that serve `app`, the devserver's ASGI app; `options` are uvicorn's."""
    return uvicorn.Config(app, ws=AnsweringWebSocketProtocol, **options)
