"""The `s3` kind: a local bucket's event notifications, delivered as S3 invokes Lambda.

S3 itself (moto) writes the event records: the bucket is configured, from the wiring, to send
its notifications for the source's prefix, suffix and event types to a local SQS queue. This
poller reads that queue and hands each record to delivery as `{"Records": [record]}`, the
asynchronous invoke S3 makes, with the fields moto leaves out (`userIdentity`,
`requestParameters`, `responseElements`, `sequencer`) filled in as S3 sends them. A record
leaves the queue once delivery has settled it (done, or handed to the failure destination).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from devserver.events.delivery import Delivery, SourceKind
    from wiring import EventSource

logger = logging.getLogger("devserver.events")

RECEIVE_LIMIT = 10  # SQS's own ceiling per ReceiveMessage
LOCAL_PRINCIPAL = "AWS:AIDALOCALDEVSERVER"
TEST_EVENT = "s3:TestEvent"  # S3 sends one when notifications are configured; never delivered


class S3Notifications:
    """An S3 event source as a delivery `SourceKind`: records are identified by their sequencer."""

    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def item_id(self, record: dict[str, Any]) -> str:
        return str(record["s3"]["object"].get("sequencer", ""))

    def arrived_at(self, record: dict[str, Any]) -> float:
        return datetime.fromisoformat(str(record["eventTime"])).timestamp()

    def batch_info(self, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
        # An asynchronous invocation's failure record carries the event itself.
        return {"requestPayload": {"Records": list(records)}}


def lambda_record(record: dict[str, Any], sequence: int) -> dict[str, Any]:
    """Moto's notification record, completed to what S3 sends Lambda."""
    shaped: dict[str, Any] = json.loads(json.dumps(record))
    shaped.setdefault("userIdentity", {"principalId": LOCAL_PRINCIPAL})
    shaped.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
    shaped.setdefault(
        "responseElements", {"x-amz-request-id": f"{sequence:016X}", "x-amz-id-2": "local"}
    )
    s3_object = shaped["s3"]["object"]
    s3_object.setdefault("sequencer", f"{sequence:016X}")
    s3_object.setdefault("versionId", None)
    if s3_object["versionId"] is None:
        del s3_object["versionId"]  # S3 sends it only for versioned buckets
    shaped["s3"]["bucket"].setdefault("ownerIdentity", {"principalId": LOCAL_PRINCIPAL})
    return shaped


class S3NotificationPoller:
    """Configures `bucket` to notify a local queue, then delivers what arrives there."""

    def __init__(
        self,
        source: EventSource,
        bucket: str,
        s3: Any,
        sqs: Any,
        make_delivery: Callable[[EventSource, SourceKind], Delivery],
    ) -> None:
        self.source = source
        self.bucket = bucket
        self._s3 = s3
        self._sqs = sqs
        self._delivery = make_delivery(source, S3Notifications(bucket))
        self._queue_url: str | None = None
        self._sequence = 0

    async def prepare(self) -> None:
        if self._queue_url is None:
            self._queue_url = await asyncio.to_thread(self._configure)

    async def poll(self) -> int:
        await self.prepare()
        assert self._queue_url is not None  # noqa: S101 - prepare() set it or raised
        response = await asyncio.to_thread(
            self._sqs.receive_message,
            QueueUrl=self._queue_url,
            MaxNumberOfMessages=RECEIVE_LIMIT,
            WaitTimeSeconds=0,
        )
        messages = response.get("Messages", [])
        for message in messages:
            for record in json.loads(message["Body"]).get("Records", []):
                self._sequence += 1
                await self._delivery.deliver([lambda_record(record, self._sequence)])
            await asyncio.to_thread(
                self._sqs.delete_message,
                QueueUrl=self._queue_url,
                ReceiptHandle=message["ReceiptHandle"],
            )
        return len(messages)

    def _configure(self) -> str:
        """Create the queue and point the bucket's notification for this source at it.

        Other notifications on the bucket stay: S3 replaces the whole configuration at once.
        """
        name = f"devserver-{self.bucket}-{self.source.function}"[:80]
        queue_url = str(self._sqs.create_queue(QueueName=name)["QueueUrl"])
        arn = self._sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        current = self._s3.get_bucket_notification_configuration(Bucket=self.bucket)
        queues = [
            q for q in current.get("QueueConfigurations", []) if q.get("Id") != self.source.name
        ]
        rules = [
            {"Name": name, "Value": value}
            for name, value in (("prefix", self.source.prefix), ("suffix", self.source.suffix))
            if value
        ]
        mine: dict[str, Any] = {
            "Id": self.source.name,
            "QueueArn": arn,
            "Events": list(self.source.events),
        }
        if rules:
            mine["Filter"] = {"Key": {"FilterRules": rules}}
        self._s3.put_bucket_notification_configuration(
            Bucket=self.bucket,
            NotificationConfiguration={
                "QueueConfigurations": [*queues, mine],
                **{
                    k: v
                    for k, v in current.items()
                    if k in {"TopicConfigurations", "LambdaFunctionConfigurations"}
                },
            },
        )
        logger.info("%s: notifications of %s go to %s", self.source.name, self.bucket, name)
        return queue_url
