"""The devserver's event sources on any API: stream polling, filters, checkpoints, failures.

A copy of the tiny API's wiring gains a stream consumer on a table of its own; the consumer
writes every record it is given to a file, and fails the ones marked `fail`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from devserver.backends.stack import LocalBackends
from devserver.config import DevServerConfig
from devserver.events.service import EventsConfig
from tests.e2e.conftest import tiny_config
from tests.e2e.running_server import start_devserver

CONSUMER = """
import json, os

def handler(event, context):
    failures = []
    with open(os.environ["STREAM_CONSUMER_LOG"], "a") as log:
        for record in event["Records"]:
            image = record["dynamodb"].get("NewImage", {})
            if "fail" in image:
                failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
                continue
            log.write(json.dumps([record["eventName"], record["dynamodb"]["Keys"]["id"]["S"],
                                  record["eventSourceARN"]]) + "\\n")
    return {"batchItemFailures": failures}
"""
EVENT_SOURCE = """
[functions.consumer]
handler = "stream_consumer.handler"
timeout_seconds = 10

[[event_sources]]
function = "consumer"
kind = "dynamodb_stream"
table = "things"
batch_size = 2
filters = ['{"eventName": ["INSERT", "MODIFY"]}']
maximum_retry_attempts = 1
bisect_batch_on_error = true
on_failure = "sqs"
"""
WAIT_SECONDS = 60.0


class Things:
    def __init__(self, root: Path, backends: LocalBackends) -> None:
        self.root = root
        self.client = backends.dynamodb.client()
        self.prefix = f"core-{uuid.uuid4().hex[:8]}-"
        self.table = f"{self.prefix}things"
        self.log = root / "consumed.jsonl"
        self.client.create_table(
            TableName=self.table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )

    def put(self, key: str, **extra: str) -> None:
        item = {"id": {"S": key}, **{k: {"S": v} for k, v in extra.items()}}
        self.client.put_item(TableName=self.table, Item=item)

    def consumed(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture(scope="module")
def api_dir(tmp_path_factory: pytest.TempPathFactory, tiny_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("stream-api")
    (root / "schema.graphql").write_text((tiny_dir / "schema.graphql").read_text())
    (root / "wiring.toml").write_text((tiny_dir / "wiring.toml").read_text() + EVENT_SOURCE)
    (root / "stream_consumer.py").write_text(CONSUMER)
    return root


@pytest.fixture
def things(tmp_path: Path, local_backends: LocalBackends) -> Things:
    return Things(tmp_path, local_backends)


@pytest.fixture
def config(
    api_dir: Path, tiny_dir: Path, things: Things, local_backends: LocalBackends
) -> Callable[[], DevServerConfig]:
    def make() -> DevServerConfig:
        base = tiny_config(things.root / "auth")
        return replace(
            base,
            schema_path=api_dir / "schema.graphql",
            wiring_path=api_dir / "wiring.toml",
            python_path=(tiny_dir, api_dir),
            handler_env={"STREAM_CONSUMER_LOG": str(things.log)},
            events=EventsConfig(
                state_dir=things.root / "events",
                dynamodb_endpoint_url=local_backends.dynamodb.endpoint_url,
                resource_prefix=things.prefix,
                poll_interval_seconds=0.1,
                idle_poll_interval_seconds=0.2,
            ),
        )

    return make


def wait_until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {WAIT_SECONDS} s: {what}")
        time.sleep(0.05)


def test_a_restart_resumes_after_the_last_delivered_record(
    things: Things, config: Callable[[], DevServerConfig]
) -> None:
    # GIVEN a devserver delivering the table's stream, which saw two inserts and a delete
    with start_devserver(config()):
        things.put("a")
        things.put("b")
        things.client.delete_item(TableName=things.table, Key={"id": {"S": "a"}})
        wait_until(lambda: len(things.consumed()) == 2, "both inserts are delivered")
    # WHEN a write lands while it is stopped, and it starts again on the same state
    things.put("c")
    with start_devserver(config()):
        wait_until(lambda: len(things.consumed()) >= 3, "the write made while stopped")
        time.sleep(0.5)  # time for a wrong replay to show
    # THEN each insert was delivered exactly once, in order, and the filtered REMOVE never was
    consumed = things.consumed()
    assert [(name, key) for name, key, _ in consumed] == [
        ("INSERT", "a"),
        ("INSERT", "b"),
        ("INSERT", "c"),
    ]
    assert all(arn.startswith("arn:aws:dynamodb:") and things.table in arn for *_, arn in consumed)


def test_a_failing_record_goes_to_the_failure_file_and_the_others_are_delivered(
    things: Things, config: Callable[[], DevServerConfig]
) -> None:
    # GIVEN a devserver delivering the table's stream
    with start_devserver(config()):
        # WHEN a record the consumer always fails sits between two good ones
        things.put("good-1")
        things.put("bad", fail="yes")
        things.put("good-2")
        failed_dir = things.root / "events" / "failed"
        wait_until(lambda: any(failed_dir.glob("*.json")), "a failed batch is recorded")
        wait_until(lambda: len(things.consumed()) == 2, "the good records are delivered")
    # THEN the failure file names the bad record only, with Lambda's on-failure fields
    (path,) = failed_dir.glob("*.json")
    failure: dict[str, Any] = json.loads(path.read_text())
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["functionArn"].endswith(":function:consumer")
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in failure["localRecords"]] == ["bad"]
    assert sorted(key for _, key, _ in things.consumed()) == ["good-1", "good-2"]
