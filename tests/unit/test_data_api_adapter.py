"""The Data API adapter's typed parameters and its wait for a resuming cluster."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError

from resolvers.store.data_api import (
    MIGRATION_RETRY,
    REQUEST_RETRY,
    DataApi,
    RetryPolicy,
    to_sql_parameter,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, {"isNull": True}),
        (True, {"booleanValue": True}),
        (7, {"longValue": 7}),
        (2.5, {"doubleValue": 2.5}),
        ("x", {"stringValue": "x"}),
    ],
)
def test_plain_values(value: Any, expected: dict[str, Any]) -> None:
    assert to_sql_parameter("p", value) == {"name": "p", "value": expected}


@pytest.mark.parametrize(
    ("value", "text", "hint"),
    [
        (Decimal("12.50"), "12.50", "DECIMAL"),
        (
            datetime(2026, 1, 2, 3, 4, 5, 6000),  # noqa: DTZ001 - naive means UTC to the adapter
            "2026-01-02 03:04:05.006000",
            "TIMESTAMP",
        ),
        # Aware times are sent as UTC because Data API timestamps carry no zone.
        (
            datetime(2026, 1, 2, 5, 0, tzinfo=timezone(timedelta(hours=2))),
            "2026-01-02 03:00:00.000000",
            "TIMESTAMP",
        ),
        (date(2026, 1, 2), "2026-01-02", "DATE"),
        (time(3, 4, 5), "03:04:05.000000", "TIME"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001", "UUID"),
        (["a", "b"], '["a","b"]', "JSON"),
        ({"k": 1}, '{"k":1}', "JSON"),
    ],
)
def test_type_hinted_values(value: Any, text: str, hint: str) -> None:
    assert to_sql_parameter("p", value) == {
        "name": "p",
        "value": {"stringValue": text},
        "typeHint": hint,
    }


class ResumingClient:
    """Answers DatabaseResumingException a few times, as a paused Aurora cluster does."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def execute_statement(self, **_: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls <= self.failures:
            error = {"Error": {"Code": "DatabaseResumingException", "Message": "resuming"}}
            raise ClientError(error, "ExecuteStatement")  # type: ignore[arg-type]
        return {"formattedRecords": '[{"n": 1}]'}


def _db(client: ResumingClient, sleeps: list[float], retry: RetryPolicy | None = None) -> DataApi:
    return DataApi(
        client,  # type: ignore[arg-type]
        resource_arn="arn:cluster",
        secret_arn="arn:secret",
        database="db",
        retry=retry or RetryPolicy(budget_s=2.5, first_delay_s=0.5, max_delay_s=1.0),
        sleep=sleeps.append,
    )


def test_waits_out_a_resuming_cluster_with_backoff() -> None:
    sleeps: list[float] = []
    client = ResumingClient(failures=3)
    assert _db(client, sleeps).query("SELECT 1 AS n") == [{"n": 1}]
    assert client.calls == 4
    assert sleeps == [0.5, 1.0, 1.0]


def test_gives_up_when_the_next_wait_would_pass_the_budget() -> None:
    sleeps: list[float] = []
    with pytest.raises(ClientError):
        _db(ResumingClient(failures=10), sleeps).query("SELECT 1")
    assert sleeps == [0.5, 1.0, 1.0]


def test_a_request_gives_up_on_a_resume_sooner_than_a_migration() -> None:
    # GIVEN a cluster that never finishes resuming
    request: list[float] = []
    migration: list[float] = []
    # WHEN a request and a migration each wait for it
    with pytest.raises(ClientError):
        _db(ResumingClient(failures=1000), request, REQUEST_RETRY).query("SELECT 1")
    with pytest.raises(ClientError):
        _db(ResumingClient(failures=1000), migration, MIGRATION_RETRY).query("SELECT 1")
    # THEN the request waits seconds (its budget, checked against the timeouts in tests/infra)
    # and the migration minutes
    assert sum(request) == REQUEST_RETRY.budget_s
    assert sum(migration) >= 120
