"""Start and stop all local backends together and hand out the environment the app reads."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol

from devserver.backends import s3_snapshot
from devserver.backends.clients import (
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    REGION,
)
from devserver.backends.data_api import DataApiConfig, LocalDataApi
from devserver.backends.dynamodb import LocalDynamoDB
from devserver.backends.lifecycle import Service
from devserver.backends.postgres import LocalPostgres
from devserver.backends.s3 import LocalS3
from devserver.backends.supervisor import Watched

if TYPE_CHECKING:
    from pathlib import Path

    from mypy_boto3_s3 import S3Client

_log = logging.getLogger(__name__)

CLUSTER_ARN = "arn:aws:rds:us-east-1:000000000000:cluster:potluck-local"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:potluck-local-AbCdEf"  # noqa: S105
DB_NAME = "potluck"
SNAPSHOT_FILE = "dynamodb.json"
S3_DIR = "s3"
PGDATA_DIR = "postgres"


class _Backend(Protocol):
    def stop(self) -> None: ...


class LocalBackends(Service):
    """moto DynamoDB, embedded PostgreSQL and the Data API endpoint, on free loopback ports.

    Data lives under `root`. When `persistent`, PostgreSQL keeps its data directory and DynamoDB
    is restored from `root/dynamodb.json` at start and saved there on stop; otherwise everything
    is thrown away on stop.
    """

    def __init__(
        self,
        root: Path,
        *,
        persistent: bool,
        database: str = DB_NAME,
        max_response_bytes: int = 1024 * 1024,
        sql_error_type: str = "DatabaseErrorException",
    ) -> None:
        self.root = root
        self.persistent = persistent
        self.dynamodb = LocalDynamoDB()
        self.s3_service = LocalS3()
        self.postgres = LocalPostgres(root / PGDATA_DIR, database=database, keep_data=persistent)
        self._database = database
        self._max_response_bytes = max_response_bytes
        self._sql_error_type = sql_error_type
        self._data_api: LocalDataApi | None = None
        self._started: list[_Backend] = []
        # Only a fully started stack may overwrite the snapshot: a failed restore must not.
        self._save_on_stop = False

    @property
    def data_api(self) -> LocalDataApi:
        if self._data_api is None:
            raise RuntimeError("the local backends are not running")
        return self._data_api

    @property
    def snapshot_path(self) -> Path:
        return self.root / SNAPSHOT_FILE

    @property
    def env(self) -> dict[str, str]:
        """What the application needs to reach these backends through the standard variables."""
        return {
            "AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb.endpoint_url,
            # A second moto server: S3, and SQS, which carries S3's notifications.
            "AWS_ENDPOINT_URL_S3": self.s3_service.endpoint_url,
            "AWS_ENDPOINT_URL_SQS": self.s3_service.endpoint_url,
            "AWS_ENDPOINT_URL_RDS_DATA": self.data_api.endpoint_url,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_ACCESS_KEY,
            "DB_CLUSTER_ARN": CLUSTER_ARN,
            "DB_SECRET_ARN": SECRET_ARN,
            "DB_NAME": self._database,
        }

    def start(self) -> dict[str, str]:
        """Start everything (DynamoDB and PostgreSQL in parallel) and return `env`."""
        if self._started:
            return self.env
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            with ThreadPoolExecutor(max_workers=1) as pool:
                # moto's interpreter boots while PostgreSQL starts; both mostly wait on children.
                dynamodb = pool.submit(self.dynamodb.start)
                try:
                    self.postgres.start()
                    self._started.append(self.postgres)
                finally:
                    dynamodb.result()
                    self._started.insert(0, self.dynamodb)
            if self.persistent and self.snapshot_path.exists():
                self.dynamodb.restore(self.snapshot_path)
            self.s3_service.start()
            self._started.append(self.s3_service)
            if self.persistent and self.s3_path.is_dir():
                s3_snapshot.read(self.s3(), self.s3_path)
            self._data_api = LocalDataApi(
                DataApiConfig(
                    postgres_uri=self.postgres.server_uri,
                    resource_arn=CLUSTER_ARN,
                    secret_arn=SECRET_ARN,
                    database=self._database,
                    max_response_bytes=self._max_response_bytes,
                    sql_error_type=self._sql_error_type,
                )
            )
            self._data_api.start()
            self._started.append(self._data_api)
            self._save_on_stop = self.persistent
        except BaseException:
            self.stop()
            raise
        return self.env

    @property
    def s3_path(self) -> Path:
        return self.root / S3_DIR

    def s3(self) -> S3Client:
        return self.s3_service.client()

    def watched(self) -> list[Watched]:
        """The running backends as the supervisor watches them, dependencies first."""
        data_api = self.data_api
        pgdata = self.postgres.data_dir

        def postgres_back() -> None:
            data_api.reconnect()
            data_api.set_unavailable(None)

        return [
            Watched(
                name=self.dynamodb.name,
                label="DynamoDB (moto)",
                alive=self.dynamodb.alive,
                restart=lambda: self.dynamodb.restart(
                    self.snapshot_path if self.persistent else None
                ),
                pid=lambda: self.dynamodb.pid,
                on_restart=(
                    f"with the tables last saved to {self.snapshot_path} (writes since then"
                    " are lost)"
                    if self.persistent
                    else "with no tables (this stack keeps no snapshot)"
                ),
                if_it_persists="stop the devserver and start it again",
            ),
            Watched(
                name=self.postgres.name,
                label="PostgreSQL",
                alive=self.postgres.alive,
                restart=self.postgres.restart,
                pid=lambda: self.postgres.pid,
                on_restart=f"on its data in {pgdata}",
                if_it_persists=f"read {pgdata / 'log'}, then stop the devserver and start it again",
                on_down=lambda: data_api.set_unavailable("the local PostgreSQL server stopped"),
                on_up=postgres_back,
            ),
            Watched(
                name=data_api.name,
                label="the local Data API endpoint",
                alive=data_api.alive,
                restart=data_api.restart,
                pid=lambda: None,  # a thread of the devserver's own process
                on_restart="on the same port",
                if_it_persists="stop the devserver and start it again",
            ),
        ]

    def snapshot(self) -> None:
        """Save DynamoDB's tables and S3's buckets (the devserver calls this periodically)."""
        self.dynamodb.snapshot(self.snapshot_path)
        s3_snapshot.write(self.s3(), self.s3_path)

    def stop(self) -> None:
        """Stop in reverse start order; every backend gets its stop even if another fails."""
        errors: list[Exception] = []
        if self._save_on_stop:
            self._save_on_stop = False
            try:
                self.snapshot()
            except Exception as e:  # noqa: BLE001 - collected and re-raised below
                errors.append(e)
        while self._started:
            backend = self._started.pop()
            try:
                backend.stop()
            except Exception as e:  # noqa: BLE001 - collected and re-raised below
                _log.warning("stopping %s failed", type(backend).__name__, exc_info=True)
                errors.append(e)
        self._data_api = None
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise ExceptionGroup("stopping the local backends failed", errors)
