"""The Data API operations over PostgreSQL: ExecuteStatement, BatchExecuteStatement, transactions.

Statements without a `transactionId` run on a pooled autocommit connection. Several statements
in one call run only when the call has no parameters: bound parameters use the extended query
protocol, which PostgreSQL restricts to one statement, so the call then fails with PostgreSQL's
own error. Only the first statement's result set is returned, as on Aurora PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import conninfo
from psycopg_pool import ConnectionPool

from devserver.backends.data_api import errors, params, placeholders
from devserver.backends.data_api.pgtypes import PgTypeCache
from devserver.backends.data_api.results import ResultRequest, build_response
from devserver.backends.data_api.transactions import TransactionRegistry
from devserver.backends.data_api.values import ResultOptions

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataApiConfig:
    """Which cluster, secret and database the endpoint answers for, and its limits."""

    postgres_uri: str
    resource_arn: str
    secret_arn: str
    database: str
    max_response_bytes: int = 1024 * 1024
    max_request_bytes: int = 4 * 1024 * 1024
    transaction_timeout: float = 180.0
    pool_size: int = 16
    max_transactions: int = 64
    # How long a call waits for a connection: while PostgreSQL is down, calls fail after this
    # (as DatabaseUnavailableException) instead of hanging for the pool's default 30 s.
    connection_wait: float = 5.0
    # "BadRequestException" mimics an Aurora Serverless v1 cluster; see errors.SQL_ERROR_TYPES.
    sql_error_type: str = "DatabaseErrorException"

    def __post_init__(self) -> None:
        if self.sql_error_type not in errors.SQL_ERROR_TYPES:
            choices = ", ".join(errors.SQL_ERROR_TYPES)
            raise ValueError(f"sql_error_type must be one of {choices}, not {self.sql_error_type}")


def _configure(conn: psycopg.Connection[Any]) -> None:
    params.register_dumpers(conn.adapters)


def _reset(conn: psycopg.Connection[Any]) -> None:
    # A SET in one call must not leak into the next call that draws the same connection.
    conn.execute("RESET ALL")


class DataApiService:
    """Runs Data API requests (already-parsed JSON bodies) against PostgreSQL."""

    def __init__(self, config: DataApiConfig) -> None:
        self._config = config
        self._sql_error = errors.SQL_ERROR_TYPES[config.sql_error_type]
        uri = conninfo.make_conninfo(config.postgres_uri, dbname=config.database)
        # Sessions run in UTC, as Aurora's do by default; automatic server-side prepares are off
        # so DDL between calls never meets a stale cached plan.
        kwargs: dict[str, Any] = {
            "autocommit": True,
            "prepare_threshold": None,
            "options": "-c TimeZone=UTC",
        }
        self._pool: ConnectionPool[Any] = ConnectionPool(
            uri,
            min_size=1,
            max_size=config.pool_size,
            kwargs=kwargs,
            configure=_configure,
            reset=_reset,
            name="data-api",
            open=True,
            timeout=config.connection_wait,
        )
        self._tx_pool: ConnectionPool[Any] = ConnectionPool(
            uri,
            min_size=0,
            max_size=config.max_transactions,
            kwargs=kwargs,
            configure=_configure,
            reset=_reset,
            name="data-api-tx",
            open=True,
            timeout=config.connection_wait,
        )
        try:
            self._pool.wait(timeout=10.0)  # fail at start, not on the first request
        except BaseException:
            self._tx_pool.close()
            self._pool.close()
            raise
        self._types = PgTypeCache()
        self.transactions = TransactionRegistry(
            self._tx_pool, idle_timeout=config.transaction_timeout
        )
        self._stop = threading.Event()
        self._reaper = threading.Thread(target=self._reap, name="data-api-reaper", daemon=True)
        self._reaper.start()

    def reconnect(self) -> None:
        """Replace pooled connections that died with the server (after PostgreSQL restarted)."""
        self._pool.check()
        self._tx_pool.check()

    def close(self) -> None:
        self._stop.set()
        self._reaper.join()
        self.transactions.close()
        self._tx_pool.close()
        self._pool.close()

    def _reap(self) -> None:
        interval = min(self._config.transaction_timeout / 4, 5.0)
        while not self._stop.wait(interval):
            if reaped := self.transactions.reap():
                _log.info("rolled back %d idle transaction(s)", reaped)

    # -- validation -------------------------------------------------------------------------

    def _authorize(self, request: Mapping[str, Any], *, check_database: bool = True) -> None:
        resource_arn = request.get("resourceArn")
        if resource_arn != self._config.resource_arn:
            raise errors.HttpEndpointNotEnabledException(
                f"HttpEndpoint is not enabled for resource {resource_arn}"
            )
        if request.get("secretArn") != self._config.secret_arn:
            raise errors.SecretsErrorException("Secrets Manager can't find the specified secret.")
        database = request.get("database")
        if check_database and database not in (None, "", self._config.database):
            raise errors.DatabaseErrorException(
                f'FATAL: database "{database}" does not exist; SQLState: 3D000'
            )

    @staticmethod
    def _sql(request: Mapping[str, Any]) -> str:
        sql = request.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            raise errors.BadRequestException("SQL statement is required")
        return sql

    @contextmanager
    def _connection(self, transaction_id: str | None) -> Iterator[psycopg.Connection[Any]]:
        if transaction_id:
            with self.transactions.use(transaction_id) as transaction:
                yield transaction.conn
        else:
            with self._pool.connection() as conn:
                yield conn

    # -- operations -------------------------------------------------------------------------

    def execute_statement(self, request: Mapping[str, Any]) -> dict[str, Any]:
        self._authorize(request, check_database=not request.get("transactionId"))
        sql = self._sql(request)
        values = params.convert(request.get("parameters"))
        query = placeholders.rewrite(sql)
        # Without placeholders the text goes to PostgreSQL verbatim (simple query protocol).
        statement, bound = (
            (query.sql, params.bind(query.names, values)) if query.names else (sql, None)
        )
        result_request = ResultRequest(
            include_metadata=bool(request.get("includeResultMetadata")),
            as_json=request.get("formatRecordsAs") == "JSON",
            options=ResultOptions.parse(request.get("resultSetOptions")),
            max_bytes=self._config.max_response_bytes,
        )
        try:
            with self._connection(request.get("transactionId")) as conn, conn.cursor() as cur:
                cur.execute(statement, bound)
                return build_response(conn, cur, self._types, result_request)
        except psycopg.Error as e:
            _log.info("statement failed: %s", e.diag.message_detail or e)
            raise errors.database_error(e, self._sql_error) from e

    def batch_execute_statement(self, request: Mapping[str, Any]) -> dict[str, Any]:
        self._authorize(request, check_database=not request.get("transactionId"))
        query = placeholders.rewrite(self._sql(request))
        # Like the service, no parameter sets means nothing runs; [[]] runs the statement once.
        parameter_sets = request.get("parameterSets") or []
        batches = [params.bind(query.names, params.convert(s)) for s in parameter_sets]
        if not batches:
            return {"updateResults": []}
        try:
            # One transaction (a savepoint inside a Data API transaction) around the batch: it
            # succeeds or fails as a whole.
            with (
                self._connection(request.get("transactionId")) as conn,
                conn.transaction(),
                conn.cursor() as cur,
            ):
                cur.executemany(query.sql, batches)
        except psycopg.Error as e:
            raise errors.database_error(e, self._sql_error) from e
        return {"updateResults": [{"generatedFields": []} for _ in batches]}

    def begin_transaction(self, request: Mapping[str, Any]) -> dict[str, Any]:
        self._authorize(request)
        try:
            return {"transactionId": self.transactions.begin()}
        except psycopg.Error as e:
            raise errors.database_error(e, self._sql_error) from e

    def commit_transaction(self, request: Mapping[str, Any]) -> dict[str, Any]:
        self._authorize(request, check_database=False)
        try:
            self.transactions.finish(str(request.get("transactionId")), commit=True)
        except psycopg.Error as e:
            raise errors.database_error(e, self._sql_error) from e
        return {"transactionStatus": "Transaction Committed"}

    def rollback_transaction(self, request: Mapping[str, Any]) -> dict[str, Any]:
        self._authorize(request, check_database=False)
        try:
            self.transactions.finish(str(request.get("transactionId")), commit=False)
        except psycopg.Error as e:
            raise errors.database_error(e, self._sql_error) from e
        return {"transactionStatus": "Rollback Complete"}
