"""Child process entry point: serve moto on a free loopback port until stdin closes."""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import TYPE_CHECKING, Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from collections.abc import Iterable

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class OneRequestAtATime:
    """Run moto's handlers one at a time.

    DynamoDB applies every conditional write and transaction atomically. moto checks the
    condition and then writes with no lock, so two concurrent writers that read the same version
    could both pass `version = :expected`: a lost update that AWS would never allow. DynamoDB
    has no long-running calls, so serializing costs little beyond what the GIL already does.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with self._lock:
            # Draining the body inside the lock keeps lazily built responses atomic too.
            return list(self._app(environ, start_response))


def main(host: str) -> None:
    # Werkzeug logs every request at INFO; the parent shares this process's stderr.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app: Any = DomainDispatcherApplication(create_backend_app)
    server = make_server(
        host, 0, OneRequestAtATime(app), threaded=True, request_handler=MotoRequestHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdout.write(f"PORT {server.server_port}\n")
    sys.stdout.flush()
    # Nobody reads the pipe after this line; stray prints must not fill it and block the server.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    # EOF arrives when the parent closes the pipe, or dies: either way it is time to go.
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1")
