"""Serve one of the benchmark's GraphQL servers with uvicorn, in a process of its own.

`python -m benchmarks.serve KIND`: KIND is `devserver` (the real handler over the local
backends, whose variables come as JSON in $BENCH_HANDLER_ENV; `devserver-threads` runs it
in-process, as before issue 11), `devserver-fixed` (the canned
handler), `strawberry` (the plain-Strawberry floor, defaults) or `strawberry-cached` (with its
parser and validation caches). It listens on a free port on 127.0.0.1, prints
`{"port": N, "pid": P, "token": T}` (T: a local Cognito ID token for a benchmark user, signed by
this devserver) and serves until its stdin closes. `Server` is the parent's side.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Self

from benchmarks.child import REPO_ROOT, ChildProcess

API_KEY = "da2-benchmarkkey0000000000000000"
BENCH_USER = "7d0c3e8e-0000-4000-8000-00000000bec4"
KINDS = ("devserver", "devserver-threads", "devserver-fixed", "strawberry", "strawberry-cached")


def _devserver_app(kind: str, state_dir: Path) -> Any:
    # Each server process imports only its own stack, so their RSS compares like with like.
    from devserver.app import create_app  # noqa: PLC0415
    from devserver.config import DevServerConfig  # noqa: PLC0415

    handlers = {"api": "benchmarks.canned_handler.handler"} if kind == "devserver-fixed" else {}
    handler_env = json.loads(os.environ.get("BENCH_HANDLER_ENV", "{}"))
    config = DevServerConfig(
        schema_path=REPO_ROOT / "schema.graphql",
        wiring_path=REPO_ROOT / "resolvers" / "wiring.toml",
        handlers=handlers,
        python_path=(REPO_ROOT,),
        auth_state_dir=state_dir,
        api_key=API_KEY,
        handler_env=handler_env,
        # Handlers on one thread per function of the server itself: the default before issue 11.
        in_process=kind == "devserver-threads",
    )
    return create_app(config)


def create_app(kind: str, state_dir: Path) -> Any:
    if kind.startswith("strawberry"):
        from benchmarks.plain_strawberry import create_app as plain  # noqa: PLC0415

        return plain(cached=kind == "strawberry-cached")
    return _devserver_app(kind, state_dir)


def main() -> None:
    import uvicorn  # noqa: PLC0415 - the parent side (`Server`) never needs it

    kind = sys.argv[1]
    # The parent owns the directory and removes it even if this process has to be killed.
    state_dir = Path(os.environ["BENCH_STATE_DIR"])
    # The devserver's worker processes inherit stdout: they get /dev/null from the start, as
    # `announce_ready` gives this process after its ready line, which goes to the pipe.
    ready = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    app = create_app(kind, state_dir)
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it each keep-alive response waits for a delayed ACK (see tests/e2e/running_server.py).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False, backlog=4096)
    )

    def stop_when_stdin_closes() -> None:
        sys.stdin.read()
        server.should_exit = True

    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    token = None
    if kind.startswith("devserver"):
        token = app.state.devserver.authenticator.mint_token(BENCH_USER, "bench-cook")
    # Listening before saying so: a client that connects at once must not be refused.
    sock.listen(4096)
    ready.write(json.dumps({"port": sock.getsockname()[1], "pid": os.getpid(), "token": token}))
    ready.write("\n")
    ready.close()
    server.run(sockets=[sock])


class Server:
    """`with Server(kind, env) as server:` a running server; `server.url` is its /graphql."""

    def __init__(self, kind: str, env: dict[str, str] | None = None) -> None:
        self.kind = kind
        self._env = env or {}
        self._child: ChildProcess | None = None
        self.port = 0
        self.pid = 0
        self.token = ""
        self._state_dir: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def rss_mib(self) -> float:
        """The server process's resident set size now."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def __enter__(self) -> Self:
        self._state_dir = Path(tempfile.mkdtemp(prefix="potluck-bench-auth-"))
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "BENCH_STATE_DIR": str(self._state_dir),
            **self._env,
        }
        self._child = ChildProcess("benchmarks.serve", self.kind, env=env)
        try:
            started = self._child.start(timeout=60)
        except RuntimeError:
            self.__exit__()
            raise
        self.port, self.pid, self.token = started["port"], started["pid"], started["token"] or ""
        return self

    def __exit__(self, *_: object) -> None:
        try:
            if self._child is not None:
                self._child.stop(timeout=30)
        finally:
            if self._state_dir is not None:
                shutil.rmtree(self._state_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
