"""Local backends in a child process of their own, and the app provisioned on them.

The Data API endpoint is a thread of whichever process starts `LocalBackends`. Hosting the stack
in a separate process keeps it off the GIL of the process doing the measuring (a load generator,
a boto3 client under test), as a real endpoint would be. Run as `python -m benchmarks.backends`:
it prints one JSON line (the environment and PostgreSQL's URI) and serves until stdin closes.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import boto3

from benchmarks.child import ChildProcess, announce_ready
from devserver.backends.stack import LocalBackends
from resolvers.bootstrap import Container, data_api_for, set_container
from resolvers.settings import DatabaseSettings, Settings, get_settings
from resolvers.store.migrate import migrate
from resolvers.store.provision import create_photo_bucket, create_tables

PAGINATION_SECRET = "bench-only-pagination-secret-0123456789"  # noqa: S105 - local only
STARTUP_TIMEOUT_S = 120


@dataclass(frozen=True)
class AppEnv:
    """Everything a process running the handler needs: the variables the app reads."""

    env: dict[str, str]
    postgres_uri: str

    def settings(self) -> Settings:
        return Settings.from_env(self.env)


class HostedBackends:
    """`with HostedBackends() as backends:` runs the local backends in a child process."""

    def __init__(self) -> None:
        self._child = ChildProcess("benchmarks.backends")
        self.env: dict[str, str] = {}
        self.postgres_uri = ""

    def __enter__(self) -> Self:
        started = self._child.start(STARTUP_TIMEOUT_S)
        self.env, self.postgres_uri = started["env"], started["postgres_uri"]
        return self

    def __exit__(self, *_: object) -> None:
        self._child.stop(timeout=60)

    def provision(self) -> AppEnv:
        """Fresh tables (a unique prefix) and migrated SQL: the env of a deployed function."""
        session = boto3.Session(
            region_name=self.env["AWS_REGION"],
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
        )
        dynamodb = session.client("dynamodb", endpoint_url=self.env["AWS_ENDPOINT_URL_DYNAMODB"])
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        tables = create_tables(dynamodb, prefix)
        s3 = session.client("s3", endpoint_url=self.env["AWS_ENDPOINT_URL_S3"])
        bucket = create_photo_bucket(s3, f"{prefix}-photos")
        rds_data = session.client("rds-data", endpoint_url=self.env["AWS_ENDPOINT_URL_RDS_DATA"])
        migrate(data_api_for(DatabaseSettings.from_env(self.env), rds_data))
        env = {
            **self.env,
            **{key.upper(): value for key, value in tables.items()},
            "PAGINATION_SECRET": PAGINATION_SECRET,
            "PHOTOS_BUCKET": bucket,
        }
        return AppEnv(env=env, postgres_uri=self.postgres_uri)


def install_app(app_env: AppEnv) -> Container:
    """Point this process's boto3 at the backends and install a container; return it."""
    os.environ.update(app_env.env)
    get_settings.cache_clear()
    container = Container(app_env.settings(), boto3.Session())
    set_container(container)
    return container


def main() -> None:
    # Not under a pytest tmp dir: pytest resets those to 0700, locking PostgreSQL out.
    root = Path(tempfile.mkdtemp(prefix="potluck-bench-"))
    backends = LocalBackends(root, persistent=False)
    try:
        env = backends.start()
        announce_ready({"env": env, "postgres_uri": backends.postgres.uri})
        sys.stdin.read()  # EOF: the parent is done, or gone
    finally:
        try:
            backends.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
