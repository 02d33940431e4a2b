"""The `dynamodb_stream` kind: read a table's stream shards and turn records into Lambda's shape.

boto3's `dynamodbstreams` client reads the local moto endpoint exactly as it reads AWS. Lambda
adds `eventSourceARN` to each record and sends `ApproximateCreationDateTime` as epoch seconds
and binary attributes as base64, so this does too.
"""

from __future__ import annotations

import base64
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

logger = logging.getLogger("devserver.events")

GET_RECORDS_LIMIT = 1000  # DynamoDB Streams' own ceiling per GetRecords call


class StreamShard:
    """One shard of one stream, as a delivery `SourceKind`."""

    def __init__(self, stream_arn: str, shard_id: str) -> None:
        self.stream_arn = stream_arn
        self.shard_id = shard_id

    def item_id(self, record: dict[str, Any]) -> str:
        return str(record["dynamodb"]["SequenceNumber"])

    def arrived_at(self, record: dict[str, Any]) -> float:
        return float(record["dynamodb"].get("ApproximateCreationDateTime", 0))

    def batch_info(self, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
        first, last = records[0], records[-1]
        return {
            "DDBStreamBatchInfo": {
                "shardId": self.shard_id,
                "startSequenceNumber": self.item_id(first),
                "endSequenceNumber": self.item_id(last),
                "approximateArrivalOfFirstRecord": _iso(self.arrived_at(first)),
                "approximateArrivalOfLastRecord": _iso(self.arrived_at(last)),
                "batchSize": len(records),
                "streamArn": self.stream_arn,
            }
        }


def lambda_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A GetRecords record as Lambda hands it to the function."""
    shaped: dict[str, Any] = _plain(record)
    shaped["eventSourceARN"] = stream_arn
    return shaped


def without_phantom_inserts(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop moto's extra INSERT for an UpdateItem that creates an item.

    moto first puts the bare key (an INSERT whose image is only the key), then records the update
    as a second INSERT. DynamoDB records one INSERT with the whole item, and never two INSERTs of
    one key in a row, so the first of such a pair is dropped.
    """
    kept = []
    for index, record in enumerate(records):
        following = records[index + 1] if index + 1 < len(records) else None
        change = record.get("dynamodb", {})
        if (
            following is not None
            and record.get("eventName") == following.get("eventName") == "INSERT"
            and change.get("Keys") == following.get("dynamodb", {}).get("Keys")
            and change.get("NewImage", change.get("Keys")) == change.get("Keys")
        ):
            continue
        kept.append(record)
    return kept


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    return value


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="milliseconds")
