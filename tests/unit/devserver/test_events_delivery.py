"""Batches, partial failures, retries, bisection and the on-failure destination, as Lambda does."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from devserver.events.delivery import Delivery, InvocationError
from devserver.events.dynamodb_streams import StreamShard, without_phantom_inserts
from devserver.events.failures import FailureDestination
from devserver.wiring import EventSource

if TYPE_CHECKING:
    from pathlib import Path

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/label"
SHARD = "shardId-1"


def record(seq: int, name: str = "INSERT", *, poisoned: bool = False) -> dict[str, Any]:
    return {
        "eventID": f"e{seq}",
        "eventName": name,
        "eventSource": "aws:dynamodb",
        "eventSourceARN": ARN,
        "dynamodb": {
            "Keys": {"id": {"S": str(seq)}},
            "NewImage": {"id": {"S": str(seq)}, "poisoned": {"BOOL": poisoned}},
            "SequenceNumber": str(seq),
            "ApproximateCreationDateTime": 1_700_000_000,
        },
    }


class Consumer:
    """A function that fails poisoned records, reporting them, or raising when asked to."""

    def __init__(self, *, report: bool = True, fail_calls: int = 0) -> None:
        self.batches: list[list[str]] = []
        self.processed: list[str] = []
        self._report = report
        self._fail_calls = fail_calls

    async def __call__(self, function: str, event: dict[str, Any]) -> Any:
        assert function == "consumer"
        ids = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        self.batches.append(ids)
        if self._fail_calls:
            self._fail_calls -= 1
            raise InvocationError("Sandbox.Timedout", "Task timed out")
        failures = []
        for r in event["Records"]:
            if r["dynamodb"]["NewImage"]["poisoned"]["BOOL"]:
                failures.append({"itemIdentifier": r["dynamodb"]["SequenceNumber"]})
            else:
                self.processed.append(r["dynamodb"]["SequenceNumber"])
        if failures and not self._report:
            raise InvocationError("ValueError", "poisoned")
        return {"batchItemFailures": failures}


def source(**overrides: Any) -> EventSource:
    settings: dict[str, Any] = {
        "function": "consumer",
        "kind": "dynamodb_stream",
        "resource": "t",
        "batch_size": 10,
        "maximum_retry_attempts": 2,
        "bisect_batch_on_error": True,
        "on_failure": "sqs",
    }
    return EventSource(**{**settings, **overrides})


def deliver(
    tmp_path: Path, consumer: Consumer, records: list[dict[str, Any]], **overrides: Any
) -> list[dict[str, Any]]:
    failures = FailureDestination(tmp_path, region="us-east-1", account_id="123456789012")
    delivery = Delivery(
        source(**overrides), StreamShard(ARN, SHARD), consumer, failures, retry_delay=0
    )
    asyncio.run(delivery.deliver(records))
    return [json.loads(path.read_text()) for path in sorted(tmp_path.glob("*.json"))]


def test_records_arrive_in_order_in_batches_of_batch_size(tmp_path: Path) -> None:
    # GIVEN five healthy records and a batch size of two
    consumer = Consumer()
    # WHEN they are delivered
    failed = deliver(tmp_path, consumer, [record(n) for n in range(1, 6)], batch_size=2)
    # THEN the function sees them in order, two at a time, and nothing failed
    assert consumer.batches == [["1", "2"], ["3", "4"], ["5"]]
    assert failed == []


def test_filtered_out_records_never_reach_the_function(tmp_path: Path) -> None:
    # GIVEN an event source that lets only INSERTs through
    consumer = Consumer()
    records = [record(1), record(2, "MODIFY"), record(3, "REMOVE"), record(4)]
    # WHEN a mixed batch is delivered
    deliver(tmp_path, consumer, records, filters=({"eventName": ["INSERT"]},))
    # THEN only the INSERTs were delivered
    assert consumer.batches == [["1", "4"]]


def test_a_poisoned_record_goes_to_the_destination_and_the_rest_are_processed(
    tmp_path: Path,
) -> None:
    # GIVEN a batch with one poisoned record in the middle
    consumer = Consumer()
    records = [record(1), record(2, poisoned=True), record(3), record(4)]
    # WHEN it is delivered with bisect-on-error and two retries
    failed = deliver(tmp_path, consumer, records)
    # THEN every healthy record was processed, and only the poisoned one ended at the destination
    assert set(consumer.processed) == {"1", "3", "4"}
    assert len(failed) == 1
    info = failed[0]["DDBStreamBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == ("2", "2")
    assert info["streamArn"] == ARN
    assert failed[0]["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failed[0]["requestContext"]["approximateInvokeCount"] == 3
    # AND the first retry started at the failed record, as Lambda checkpoints before it
    assert consumer.batches[1][0] == "2"


def test_bisection_isolates_a_record_that_crashes_the_whole_batch(tmp_path: Path) -> None:
    # GIVEN a function that raises (no partial response) when any record is poisoned
    consumer = Consumer(report=False)
    records = [record(n, poisoned=n == 3) for n in range(1, 5)]
    # WHEN the batch is delivered with bisect-on-error and enough retries to split it down
    failed = deliver(tmp_path, consumer, records, maximum_retry_attempts=3)
    # THEN the halves without the poisoned record went through, and it alone failed
    assert {"1", "2", "4"} <= set(consumer.processed)
    assert [f["DDBStreamBatchInfo"]["startSequenceNumber"] for f in failed] == ["3"]
    assert failed[0]["responseContext"]["functionError"] == "ValueError: poisoned"


def test_a_transient_error_is_retried_and_nothing_fails(tmp_path: Path) -> None:
    # GIVEN a function that times out once, then recovers
    consumer = Consumer(fail_calls=1)
    # WHEN a batch is delivered
    failed = deliver(tmp_path, consumer, [record(1), record(2)], bisect_batch_on_error=False)
    # THEN the same batch is retried whole and succeeds
    assert consumer.batches == [["1", "2"], ["1", "2"]]
    assert failed == []


def test_records_older_than_the_maximum_age_are_not_delivered(tmp_path: Path) -> None:
    # GIVEN records far older than the source's maximum record age
    consumer = Consumer()
    # WHEN they are delivered
    failed = deliver(tmp_path, consumer, [record(1)], maximum_record_age_seconds=60)
    # THEN they go straight to the destination as too old
    assert consumer.batches == []
    assert failed[0]["requestContext"]["condition"] == "RecordAgeExceeded"


def test_an_unknown_item_identifier_fails_the_whole_batch(tmp_path: Path) -> None:
    # GIVEN a function that reports a failure for an identifier that is not in the batch
    calls: list[int] = []

    async def confused(function: str, event: dict[str, Any]) -> Any:
        calls.append(len(event["Records"]))
        return {"batchItemFailures": [{"itemIdentifier": "nope"}]}

    failures = FailureDestination(tmp_path, region="us-east-1", account_id="123456789012")
    delivery = Delivery(
        source(bisect_batch_on_error=False, maximum_retry_attempts=1),
        StreamShard(ARN, SHARD),
        confused,
        failures,
        retry_delay=0,
    )
    # WHEN a batch is delivered
    asyncio.run(delivery.deliver([record(1), record(2)]))
    # THEN Lambda's rule applies: the whole batch is retried, then given up on
    assert calls == [2, 2]
    assert len(list(tmp_path.glob("*.json"))) == 1


def test_moto_phantom_insert_before_an_update_created_item_is_dropped() -> None:
    # GIVEN moto's two INSERTs for one UpdateItem that created an item (the first keys only)
    keys = {"id": {"S": "u1"}}
    phantom = {"eventName": "INSERT", "dynamodb": {"Keys": keys, "NewImage": keys}}
    real = {
        "eventName": "INSERT",
        "dynamodb": {"Keys": keys, "NewImage": {**keys, "n": {"S": "x"}}},
    }
    # WHEN the records are read THEN only the whole item's INSERT remains, as DynamoDB sends
    assert without_phantom_inserts([phantom, real]) == [real]
    assert without_phantom_inserts([real]) == [real]
