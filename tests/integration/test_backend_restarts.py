"""Killed backends: calls fail fast with the service's own error, and a restart brings the data back."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from devserver.backends.stack import CLUSTER_ARN, DB_NAME, SECRET_ARN, LocalBackends
from devserver.backends.supervisor import Supervisor

# One attempt, so each assertion sees what a single call gets.
ONCE = Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=2, read_timeout=60)
# Generous: the machine is shared; the point is "seconds, not the 30 s it used to hang".
FAST_SECONDS = 15.0
RECOVERY_SECONDS = 120.0


@pytest.fixture(scope="module")
def backends():
    root = Path(tempfile.mkdtemp(prefix="potluck-restarts-"))
    stack = LocalBackends(root, persistent=True)
    stack.start()
    yield stack
    try:
        stack.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _sql(backends: LocalBackends, sql: str) -> dict:
    ids = {"resourceArn": CLUSTER_ARN, "secretArn": SECRET_ARN, "database": DB_NAME}
    return backends.data_api.client(ONCE).execute_statement(sql=sql, **ids)


def _kill(pid: int | None) -> None:
    assert pid is not None
    os.kill(pid, signal.SIGKILL)


def _wait_for(condition, timeout: float = RECOVERY_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_killed_postgres_fails_data_api_calls_fast_and_comes_back(backends) -> None:
    # GIVEN a table with a row
    _sql(backends, "CREATE TABLE IF NOT EXISTS survivors (name text)")
    _sql(backends, "INSERT INTO survivors VALUES ('ana')")
    supervisor = Supervisor(backends.watched())

    # WHEN PostgreSQL is killed, before anything noticed
    _kill(backends.postgres.pid)
    _wait_for(lambda: not backends.postgres.alive(), timeout=10)
    started = time.monotonic()
    with pytest.raises(ClientError) as unnoticed:
        _sql(backends, "SELECT name FROM survivors")
    # THEN the call fails in seconds, not after a 30 s wait, with the Data API's error
    assert time.monotonic() - started < FAST_SECONDS
    assert unnoticed.value.response["Error"]["Code"] == "DatabaseUnavailableException"
    assert unnoticed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 504

    # WHEN the endpoint has been told (as the supervisor tells it once it notices)
    backends.data_api.set_unavailable("the local PostgreSQL server stopped")
    started = time.monotonic()
    with pytest.raises(ClientError) as noticed:
        _sql(backends, "SELECT name FROM survivors")
    # THEN calls fail at once, saying what is wrong
    assert time.monotonic() - started < FAST_SECONDS
    assert noticed.value.response["Error"]["Code"] == "DatabaseUnavailableException"
    assert "PostgreSQL" in noticed.value.response["Error"]["Message"]

    # WHEN it restarts PostgreSQL
    _wait_for(lambda: (supervisor.check(), supervisor.health()["postgres"]["state"])[1] == "ok")
    # THEN the data is there, through the same endpoint
    rows = _sql(backends, "SELECT name FROM survivors")["records"]
    assert rows == [[{"stringValue": "ana"}]]
    assert supervisor.health()["postgres"]["restarts"] == 1


def test_a_killed_moto_is_replaced_behind_the_same_url_with_its_saved_tables(backends) -> None:
    # GIVEN a table with an item, saved to the snapshot
    client = backends.dynamodb.client(Config(read_timeout=60, retries={"max_attempts": 2}))
    client.create_table(
        TableName="survivors",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )
    client.put_item(TableName="survivors", Item={"pk": {"S": "ana"}})
    backends.snapshot()
    url, old_pid = backends.dynamodb.endpoint_url, backends.dynamodb.pid
    supervisor = Supervisor(backends.watched())

    # WHEN moto is killed and a call arrives before the restart
    _kill(old_pid)
    _wait_for(lambda: not backends.dynamodb.alive(), timeout=10)
    answer: dict = {}
    caller = threading.Thread(
        target=lambda: answer.update(
            client.get_item(TableName="survivors", Key={"pk": {"S": "ana"}})
        )
    )
    caller.start()
    supervisor.check()
    caller.join(timeout=RECOVERY_SECONDS)

    # THEN the call waited for the new moto and got the saved item, from the same URL
    assert answer.get("Item") == {"pk": {"S": "ana"}}
    assert backends.dynamodb.endpoint_url == url
    health = supervisor.health()["dynamodb"]
    assert (health["state"], health["restarts"]) == ("ok", 1)
    assert health["pid"] not in (None, old_pid)
