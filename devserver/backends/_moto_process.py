"""Child process entry point: serve moto on a free loopback port until stdin closes."""

from __future__ import annotations

import logging
import os
import sys

from moto.server import ThreadedMotoServer


def main(host: str) -> None:
    # Werkzeug logs every request at INFO; the parent shares this process's stderr.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()
    # Nobody reads the pipe after this line; stray prints must not fill it and block the server.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    # EOF arrives when the parent closes the pipe, or dies: either way it is time to go.
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1")
