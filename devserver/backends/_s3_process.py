"""Child process entry point: moto's S3 (and SQS, for S3's notifications) until stdin closes.

Apart from the DynamoDB child, so each can be tuned on its own. POST uploads pass the policy
check first (s3_post_policy), which moto itself does not make.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

POST_SECRETS_ENV = "DEVSERVER_S3_POST_SECRETS"  # set by s3.py: "AKID:secret,..."


def main(host: str) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # Run as a script, this file's directory is on sys.path but the repository is not.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from devserver.backends.s3_post_policy import PostPolicyEnforcer  # noqa: PLC0415

    pairs = (pair.partition(":") for pair in os.environ.get(POST_SECRETS_ENV, "").split(","))
    app: Any = PostPolicyEnforcer(
        DomainDispatcherApplication(create_backend_app),
        {key: secret for key, _, secret in pairs if key},
    )
    server = make_server(host, 0, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdout.write(f"PORT {server.server_port}\n")
    sys.stdout.flush()
    # Nobody reads the pipe after this line; stray prints must not fill it and block the server.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.stdin.read()  # EOF: the parent is done, or gone
    server.shutdown()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1")
