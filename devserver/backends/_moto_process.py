"""Child process entry point: serve moto on a free loopback port until stdin closes."""

from __future__ import annotations

import logging
import os
import sys
import threading

from devserver.backends.moto_server import transactions
from devserver.backends.moto_server.app import LocalDynamoDBApp
from devserver.backends.moto_server.wsgi_server import KeepAliveWSGIServer


def main(host: str) -> None:
    logging.basicConfig(level=logging.WARNING, format="moto: %(levelname)s %(message)s")
    transactions.install()
    server = KeepAliveWSGIServer((host, 0), LocalDynamoDBApp())
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
