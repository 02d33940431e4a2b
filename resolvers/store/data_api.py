"""The one adapter between repositories and Aurora PostgreSQL, through the RDS Data API.

Repositories own their SQL; this module only turns Python values into typed Data API parameters,
reads `formatRecordsAs="JSON"` results, runs transactions, and waits out a paused cluster.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as dt_time
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from resolvers.observability import logger, tracer

if TYPE_CHECKING:
    from mypy_boto3_rds_data import RDSDataServiceClient
    from mypy_boto3_rds_data.type_defs import SqlParameterTypeDef

    from resolvers.settings import DatabaseSettings

Param = str | int | float | bool | Decimal | datetime | date | dt_time | uuid.UUID | None
# Lists and dicts are sent as JSON: the Data API takes no array parameters, so `= ANY(...)`
# queries unpack a JSON array in SQL instead (see `json_array`).
ParamValue = Param | Sequence[Any] | Mapping[str, Any]

# Aurora Serverless v2 at zero capacity answers with this while it resumes (~15 s, sometimes more).
_RESUMING = "DatabaseResumingException"

# The request path: AppSync stops waiting at 30 s and infra sets the function's timeout below it
# (timeout_seconds in resolvers/wiring.toml). One call, retries included, ends within
# 2 x (1 s + 4 s) + backoff; after the longest resume wait below that still fits
# (tests/infra/test_lambda.py). Our statements take milliseconds: a read timeout means a lost
# response, and standard mode resends the statement, which may have run: so every request-path
# write is idempotent (the README's "Retry safety"). Adaptive mode's client-side rate limiting
# learns nothing in a short-lived Lambda.
DATA_API_CLIENT_CONFIG = Config(
    connect_timeout=1,
    read_timeout=4,
    retries={"mode": "standard", "total_max_attempts": 2},
)
_T = TypeVar("_T")


def json_array(name: str) -> str:
    """SQL for a text array read from a JSON list parameter: `col = ANY(<this>)`."""
    return f"ARRAY(SELECT jsonb_array_elements_text(CAST(:{name} AS jsonb)))"


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait out `DatabaseResumingException`: doubling delays within a sleep budget."""

    budget_s: float
    first_delay_s: float = 0.5
    max_delay_s: float = 4.0


# Requests sleep at most 0.5 + 1 + 2 + 4 + 4 s while a paused cluster resumes (typically ~15 s
# from the first call: a request that meets a longer resume fails and its client retries), so
# a statement still fits in the function's timeout afterwards.
REQUEST_RETRY = RetryPolicy(budget_s=11.5)
# Migrations run in a custom resource whose Lambda may run 300 s (MIGRATE_TIMEOUT_SECONDS in
# infra/data.py): wait up to 3 minutes for a resume that takes longer than usual.
MIGRATION_RETRY = RetryPolicy(budget_s=180.0, first_delay_s=1.0, max_delay_s=10.0)


class DataApi:
    """`query`, `execute` and `transaction` over one Aurora database."""

    def __init__(
        self,
        client: RDSDataServiceClient,
        *,
        resource_arn: str,
        secret_arn: str,
        database: str,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._target = {"resourceArn": resource_arn, "secretArn": secret_arn}
        self._database = database
        self._retry = retry or REQUEST_RETRY
        self._sleep = sleep

    @tracer.capture_method
    def query(self, sql: str, /, **params: ParamValue) -> list[dict[str, Any]]:
        return self._query(sql, params, None)

    @tracer.capture_method
    def execute(self, sql: str, /, **params: ParamValue) -> int:
        return self._execute(sql, params, None)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Commit on success, roll back on any exception."""
        began = self._call(
            lambda: self._client.begin_transaction(**self._target, database=self._database)
        )
        tx = Transaction(self, began["transactionId"])
        try:
            yield tx
        except BaseException:
            try:
                self._client.rollback_transaction(**self._target, transactionId=tx.id)
            except ClientError:
                # A failed statement can end the transaction on the service side; the rollback
                # then fails too, and must not hide the error that caused it.
                logger.warning("rollback failed", extra={"transaction_id": tx.id})
            raise
        self._client.commit_transaction(**self._target, transactionId=tx.id)

    def _query(
        self, sql: str, params: Mapping[str, ParamValue], tx_id: str | None
    ) -> list[dict[str, Any]]:
        response = self._statement(sql, params, tx_id, records_as_json=True)
        rows: list[dict[str, Any]] = json.loads(response.get("formattedRecords") or "[]")
        return rows

    def _execute(self, sql: str, params: Mapping[str, ParamValue], tx_id: str | None) -> int:
        response = self._statement(sql, params, tx_id, records_as_json=False)
        return int(response.get("numberOfRecordsUpdated", 0))

    def _statement(
        self,
        sql: str,
        params: Mapping[str, ParamValue],
        tx_id: str | None,
        *,
        records_as_json: bool,
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            **self._target,
            "database": self._database,
            "sql": sql,
            "parameters": [to_sql_parameter(name, value) for name, value in params.items()],
        }
        if records_as_json:
            kwargs["formatRecordsAs"] = "JSON"
        if tx_id is not None:
            kwargs["transactionId"] = tx_id
        return dict(self._call(lambda: self._client.execute_statement(**kwargs)))

    def _call(self, operation: Callable[[], _T]) -> _T:
        delay, slept = self._retry.first_delay_s, 0.0
        while True:
            try:
                return operation()
            except ClientError as error:
                resuming = error.response.get("Error", {}).get("Code") == _RESUMING
                if not resuming or slept + delay > self._retry.budget_s:
                    raise
            self._sleep(delay)
            slept += delay
            delay = min(delay * 2, self._retry.max_delay_s)


class Transaction:
    """Statements that run inside one Data API transaction."""

    def __init__(self, db: DataApi, transaction_id: str) -> None:
        self._db = db
        self.id = transaction_id

    def query(self, sql: str, /, **params: ParamValue) -> list[dict[str, Any]]:
        return self._db._query(sql, params, self.id)  # noqa: SLF001 - same unit, split for clarity

    def execute(self, sql: str, /, **params: ParamValue) -> int:
        return self._db._execute(sql, params, self.id)  # noqa: SLF001


def to_sql_parameter(name: str, value: ParamValue) -> SqlParameterTypeDef:  # noqa: C901, PLR0911 - one flat branch per Data API type
    """One typed Data API parameter; typeHints make PostgreSQL parse strings as the right type."""
    if value is None:
        return {"name": name, "value": {"isNull": True}}
    if isinstance(value, bool):  # before int: bool is an int subclass
        return {"name": name, "value": {"booleanValue": value}}
    if isinstance(value, int):
        return {"name": name, "value": {"longValue": value}}
    if isinstance(value, float):
        return {"name": name, "value": {"doubleValue": value}}
    if isinstance(value, Decimal):
        return _hinted(name, str(value), "DECIMAL")
    if isinstance(value, datetime):
        # The Data API's TIMESTAMP has no zone: send UTC, the way every column here stores it.
        utc = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return _hinted(name, utc.strftime("%Y-%m-%d %H:%M:%S.%f"), "TIMESTAMP")
    if isinstance(value, date):
        return _hinted(name, value.isoformat(), "DATE")
    if isinstance(value, dt_time):
        return _hinted(name, value.strftime("%H:%M:%S.%f"), "TIME")
    if isinstance(value, uuid.UUID):
        return _hinted(name, str(value), "UUID")
    if isinstance(value, str):
        return {"name": name, "value": {"stringValue": value}}
    return _hinted(name, json.dumps(value, separators=(",", ":")), "JSON")


def _hinted(name: str, text: str, hint: str) -> SqlParameterTypeDef:
    return {"name": name, "value": {"stringValue": text}, "typeHint": hint}  # type: ignore[typeddict-item]


def data_api_for(
    database: DatabaseSettings,
    client: RDSDataServiceClient | None = None,
    retry: RetryPolicy | None = None,
) -> DataApi:
    """The adapter for one database, for code that runs without the API's composition root.

    Stream consumers and the migrator build only this, so they import no resolver domain.
    """
    return DataApi(
        client or boto3.Session().client("rds-data", config=DATA_API_CLIENT_CONFIG),
        resource_arn=database.db_cluster_arn,
        secret_arn=database.db_secret_arn,
        database=database.db_name,
        retry=retry,
    )
