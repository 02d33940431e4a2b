"""Child process entry point: serve moto on loopback until stdin closes.

The child first serves on a private port of its own and prints it (`PORT n`), so the parent can
restore the tables before anyone else sees them. When the parent then writes `SERVE`, it also
serves on the listening socket the parent passed down (`--listener FD`): the parent keeps that
socket across restarts, so the endpoint URL the handlers hold never changes, and requests that
arrive while a new child starts wait in its backlog instead of being refused.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import socket
import sys
import threading

from devserver.backends.moto_server import (
    instances,
    queries,
    read_costs,
    responses,
    transactions,
)
from devserver.backends.moto_server.app import LocalDynamoDBApp
from devserver.backends.moto_server.wsgi_server import KeepAliveWSGIServer

SWITCH_INTERVAL_SECONDS = 0.0005
FULL_PASS_THRESHOLD = 100  # middle-generation collections between two full passes (CPython: 10)


def _serve(server: KeepAliveWSGIServer) -> None:
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main(host: str, listener_fd: int | None) -> None:
    logging.basicConfig(level=logging.WARNING, format="moto: %(levelname)s %(message)s")
    # Reads run on threads side by side (see app.py). A thread back from a socket call waits
    # for the GIL up to one switch interval while another thread computes, and a request makes
    # several such calls: with CPython's 5 ms, a GetItem beside a long Query took 15-30 ms.
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    transactions.install()
    responses.install()
    instances.install()
    app = LocalDynamoDBApp()
    queries.install(app.table_generation)
    read_costs.install(app.table_generation)
    private = KeepAliveWSGIServer((host, 0), app)
    _serve(private)
    sys.stdout.write(f"PORT {private.server_port}\n")
    sys.stdout.flush()
    # Nobody reads the pipe after this line; stray prints must not fill it and block the server.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if listener_fd is not None and sys.stdin.readline().strip() == "SERVE":
        _serve(KeepAliveWSGIServer.on_socket(socket.socket(fileno=listener_fd), app))
    # moto's modules and the restored tables live as long as the process: frozen, they are out
    # of the collector's full passes, which walked them all while every request waited.
    # Requests leave little cyclic garbage (see app.py), so full passes can be rarer too.
    gc.collect()
    gc.freeze()
    gc.set_threshold(*gc.get_threshold()[:2], FULL_PASS_THRESHOLD)
    # EOF arrives when the parent closes the pipe, or dies: either way it is time to go.
    sys.stdin.read()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("host", nargs="?", default="127.0.0.1")
    parser.add_argument("--listener", type=int, metavar="FD")
    arguments = parser.parse_args()
    main(arguments.host, arguments.listener)
