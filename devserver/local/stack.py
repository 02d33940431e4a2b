"""The persistent local stack under one root: backends, provisioning, seed state and snapshots.

Layout of the root (`.local/` by default):
- `auth/`: the local signing key and API key (kept by `reset`, so tokens stay valid);
- `postgres/`: PostgreSQL's data directory;
- `dynamodb.json`: the DynamoDB snapshot;
- `s3/`: the S3 buckets' objects (uploaded photos and their thumbnails);
- `events/`: the event sources' stream checkpoints and failed batches (`failed/`);
- `outbox/`: mail sent through the local SES endpoint, one `.eml` file per message;
- `seed.json`: `{"status": "running" | "done"}`; a seed that never finished is redone from
  scratch on the next start, so a half-seeded stack never lingers;
- `devserver.lock`: held while a devserver uses the root; a second one would overwrite the
  first one's snapshot with its own tables.

Once running, a supervisor restarts any backend that dies, on the same data and URLs.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import time
from typing import TYPE_CHECKING

from devserver.backends import s3_snapshot
from devserver.backends.stack import PGDATA_DIR, S3_DIR, SNAPSHOT_FILE, LocalBackends
from devserver.backends.supervisor import Supervisor
from devserver.events.settings import EventsConfig
from devserver.local.snapshots import DEFAULT_INTERVAL_SECONDS, Snapshotter
from devserver.mail import LocalSes

if TYPE_CHECKING:
    from pathlib import Path

    from devserver.local.project import Endpoint, LocalProject

logger = logging.getLogger("devserver.stack")

AUTH_DIR = "auth"
EVENTS_DIR = "events"
OUTBOX_DIR = "outbox"
LOCK_FILE = "devserver.lock"
SEED_FILE = "seed.json"
SEED_RUNNING = "running"
SEED_DONE = "done"


class StackInUseError(RuntimeError):
    """Another devserver is running on the same root."""


class LocalStack:
    """`lock()`, `start()`, then `seed(...)` once if `needs_seed`, `watch()`, and `stop()`."""

    def __init__(
        self,
        project: LocalProject,
        root: Path,
        *,
        snapshot_interval: float = DEFAULT_INTERVAL_SECONDS,
        sql_error_type: str = "DatabaseErrorException",
    ) -> None:
        self.project = project
        self.root = root.resolve()
        self.backends = LocalBackends(self.root, persistent=True, sql_error_type=sql_error_type)
        self.snapshots = Snapshotter(
            self.backends.snapshot,
            # Uploads go straight to S3, so its listing counts as much as the tables do.
            lambda: (
                self.backends.dynamodb.fingerprint() + s3_snapshot.fingerprint(self.backends.s3())
            ),
            interval=snapshot_interval,
        )
        self.mail = LocalSes(self.root / OUTBOX_DIR)
        self.handler_env: dict[str, str] = {}
        self.supervisor: Supervisor | None = None
        self._stopped = False
        self._lock: int | None = None

    @property
    def auth_dir(self) -> Path:
        return self.root / AUTH_DIR

    @property
    def seed_status(self) -> str | None:
        try:
            status = json.loads((self.root / SEED_FILE).read_text())["status"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return str(status)

    @property
    def needs_seed(self) -> bool:
        return self.project.seed is not None and self.seed_status != SEED_DONE

    def lock(self) -> None:
        """Claim the root for this process (the OS drops the claim if the process dies)."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise StackInUseError(f"{self.root} is in use by pid {holder}") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock = fd

    def reset(self) -> list[Path]:
        """Delete the data (databases, snapshots, events, outbox, seed state); `auth/` survives.

        Returns what was there and is gone now.
        """
        wiped = []
        for name in (PGDATA_DIR, SNAPSHOT_FILE, S3_DIR, SEED_FILE, EVENTS_DIR, OUTBOX_DIR):
            path = self.root / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
            else:
                continue
            wiped.append(path)
        return wiped

    def start(self) -> dict[str, str]:
        """Start the backends on the saved data, provision, and return the handlers' env."""
        if self.seed_status == SEED_RUNNING:
            logger.warning("the last seed did not finish; starting from empty data")
            self.reset()
        env = self.backends.start() | self.mail.start()
        try:
            extra = self.project.provision(env)
        except BaseException:
            self.mail.stop()
            self.backends.stop()
            raise
        self.handler_env = {**env, **extra}
        self.supervisor = Supervisor(self.backends.watched())
        return self.handler_env

    def events_config(self) -> EventsConfig:
        """The wiring's event sources on these backends, with their state under `events/`."""
        return EventsConfig(
            state_dir=self.root / EVENTS_DIR,
            dynamodb_endpoint_url=self.handler_env["AWS_ENDPOINT_URL_DYNAMODB"],
            s3_endpoint_url=self.handler_env.get("AWS_ENDPOINT_URL_S3", ""),
            resource_prefix=self.project.resource_prefix,
        )

    def health(self) -> dict[str, dict[str, object]]:
        """Each backend's state (`ok`, `down`, `restarting`), pid, restarts and any detail."""
        return self.supervisor.health() if self.supervisor is not None else {}

    def seed(self, endpoint: Endpoint) -> None:
        """Run the project's seed through the running API, then save right away."""
        if self.project.seed is None:
            return
        self._write_seed_status(SEED_RUNNING)
        started = time.monotonic()
        self.project.seed(endpoint)
        self.backends.snapshot()  # the marker must never claim data the snapshot lacks
        self._write_seed_status(SEED_DONE)
        logger.info("seeded in %.1f s", time.monotonic() - started)

    def watch(self) -> None:
        """Start the periodic snapshots (after any seed, so the seed is the baseline)."""
        if self._stopped:  # Ctrl-C came while the seed ran: nothing left to watch
            return
        # A moto restarted by the supervisor comes back from this file: it must already hold
        # the tables the project provisioned, even before the first write.
        self.backends.snapshot()
        self.snapshots.prime()
        self.snapshots.start()
        if self.supervisor is not None:
            self.supervisor.start()

    def stop(self) -> None:
        """Stop snapshots, then the backends, which write a final snapshot themselves."""
        self._stopped = True
        self.snapshots.stop()
        self.mail.stop()
        if self.supervisor is not None:
            self.supervisor.stop()
        try:
            self.backends.stop()
        finally:
            if self._lock is not None:
                with contextlib.suppress(OSError):
                    os.close(self._lock)  # closing releases the flock
                self._lock = None

    def _write_seed_status(self, status: str) -> None:
        path = self.root / SEED_FILE
        temp = path.with_suffix(".tmp")
        temp.write_text(json.dumps({"status": status, "project": self.project.name}) + "\n")
        temp.replace(path)
