"""A threaded HTTP/1.1 server for a WSGI app that keeps connections open between requests.

Werkzeug's development server, which `moto_server` uses, answers every request with
`Connection: close`, so each boto3 call paid for a new TCP connection and a new server thread:
about half of a GetItem's time on loopback. botocore keeps a pool of connections, so a server that
keeps them alive saves that on every call. The app must set `Content-Length`; bodies are
buffered, which suits DynamoDB's JSON requests and responses (at most a few MB).
"""

from __future__ import annotations

import io
import logging
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    import socket

    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

_log = logging.getLogger(__name__)

# Headers the server sets itself; the app's own values would contradict the framing.
_HOP_BY_HOP = frozenset({"connection", "content-length", "transfer-encoding", "keep-alive"})
_INTERNAL_ERROR = (
    b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError",'
    b'"message":"The local DynamoDB failed to handle the request"}'
)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: with Nagle on, the body waits for a delayed ACK (~40 ms).
    disable_nagle_algorithm = True
    timeout = 300  # idle keep-alive connections go eventually
    server: KeepAliveWSGIServer

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, headers, payload = self._run_app(body)
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason or None)
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    # http.server's names for its per-method hooks.
    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve  # noqa: N815

    def _run_app(self, body: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], _exc: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda _data: None  # the legacy write() callable; moto never uses it

        try:
            result = self.server.app(self._environ(body), start_response)
            try:
                payload = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except Exception:  # noqa: BLE001 - the boundary: the client gets a 500, we get the log
            _log.exception("the local DynamoDB failed on %s %s", self.command, self.path)
            return "500 Internal Server Error", [], _INTERNAL_ERROR
        return started[0], started[1], payload

    def _environ(self, body: bytes) -> WSGIEnvironment:
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, encoding="latin-1"),
            "QUERY_STRING": query,
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = name.upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[f"HTTP_{key}"] = value
        return environ

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        _log.debug("%s - %s", self.address_string(), format % args)


class KeepAliveWSGIServer(ThreadingHTTPServer):
    """Serves `app` on `address`, one thread per connection, connections kept alive."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: WSGIApplication) -> None:
        self.app = app
        super().__init__(address, _Handler)

    @classmethod
    def on_socket(cls, listener: socket.socket, app: WSGIApplication) -> KeepAliveWSGIServer:
        """Serve on a socket that is already listening (one the parent process keeps open)."""
        server = cls.__new__(cls)
        server.app = app
        ThreadingHTTPServer.__init__(
            server, listener.getsockname()[:2], _Handler, bind_and_activate=False
        )
        server.socket.close()
        server.socket = listener
        server.server_address = listener.getsockname()
        return server
