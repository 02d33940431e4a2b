"""Poll one event source's DynamoDB stream and hand each shard's new records to its delivery."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from devserver.events.dynamodb_streams import (
    GET_RECORDS_LIMIT,
    StreamShard,
    lambda_record,
    without_phantom_inserts,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from devserver.events.checkpoints import Checkpoints
    from devserver.events.delivery import Delivery, SourceKind
    from devserver.wiring import EventSource

logger = logging.getLogger("devserver.events")

REDISCOVER_SECONDS = 5.0  # notice a recreated table (a new stream) within this long
# Errors that mean the stream or the iterator is gone: find the stream again.
_STREAM_GONE = frozenset(
    {"ExpiredIteratorException", "ResourceNotFoundException", "TrimmedDataAccessException"}
)


class StreamPoller:
    """Reads `table`'s stream for `source`; its shards are read in order, one batch at a time."""

    def __init__(
        self,
        source: EventSource,
        table: str,
        client: Any,
        checkpoints: Checkpoints,
        make_delivery: Callable[[EventSource, SourceKind], Delivery],
    ) -> None:
        self.source = source
        self.table = table
        self._client = client
        self._checkpoints = checkpoints
        self._make_delivery = make_delivery
        self._stream_arn: str | None = None
        self._iterators: dict[str, str | None] = {}
        self._deliveries: dict[str, Delivery] = {}
        self._discovered_at = 0.0
        self._warned = False

    async def poll(self) -> int:
        """Deliver whatever is new in every shard; return how many records were read."""
        if self._stream_arn is None or time.monotonic() - self._discovered_at > REDISCOVER_SECONDS:
            await asyncio.to_thread(self._discover)
        if self._stream_arn is None:
            return 0
        total = 0
        for shard_id in list(self._iterators):
            try:
                total += await self._poll_shard(self._stream_arn, shard_id)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in _STREAM_GONE:
                    raise
                self._stream_arn = None
                return total
        return total

    async def _poll_shard(self, stream_arn: str, shard_id: str) -> int:
        iterator = self._iterators.get(shard_id)
        if iterator is None:
            iterator = await asyncio.to_thread(self._iterator_for, stream_arn, shard_id)
        response = await asyncio.to_thread(
            self._client.get_records, ShardIterator=iterator, Limit=GET_RECORDS_LIMIT
        )
        records = [
            lambda_record(record, stream_arn)
            for record in without_phantom_inserts(response.get("Records", []))
        ]
        if records:
            await self._deliveries[shard_id].deliver(records)
            last = str(records[-1]["dynamodb"]["SequenceNumber"])
            await asyncio.to_thread(
                self._checkpoints.advance, self.source.name, stream_arn, shard_id, last
            )
        # No next iterator: the shard is closed and fully read.
        self._iterators[shard_id] = response.get("NextShardIterator")
        return len(records)

    def _discover(self) -> None:
        self._discovered_at = time.monotonic()
        streams = self._client.list_streams(TableName=self.table).get("Streams", [])
        if not streams:
            if not self._warned:  # once, not at every rediscovery
                logger.warning("%s: table %s has no stream (yet)", self.source.name, self.table)
                self._warned = True
            self._stream_arn = None
            self._iterators = {}
            return
        self._warned = False
        arn = str(streams[-1]["StreamArn"])
        if arn == self._stream_arn:
            return
        description = self._client.describe_stream(StreamArn=arn)["StreamDescription"]
        shards = [str(shard["ShardId"]) for shard in description.get("Shards", [])]
        self._stream_arn = arn
        self._iterators = dict.fromkeys(shards)
        self._deliveries = {
            shard: self._make_delivery(self.source, StreamShard(arn, shard)) for shard in shards
        }
        logger.info("%s: reading %s (%d shard(s))", self.source.name, arn, len(shards))

    def _iterator_for(self, stream_arn: str, shard_id: str) -> str:
        position = self._checkpoints.position(self.source.name, stream_arn, shard_id)
        kwargs: dict[str, Any] = {"StreamArn": stream_arn, "ShardId": shard_id}
        if position is not None:
            kwargs |= {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position}
        else:
            kwargs["ShardIteratorType"] = self.source.starting_position
        return str(self._client.get_shard_iterator(**kwargs)["ShardIterator"])
