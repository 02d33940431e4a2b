"""DynamoDB helpers shared by repositories: item (de)serialisation and batched reads."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from mypy_boto3_dynamodb import DynamoDBClient

# Standard mode retries throttling and transient errors with backoff; adaptive mode would add
# client-side rate limiting, which a short-lived Lambda cannot learn anything useful from.
# One call, retries included, ends within 3 x (1 s + 3 s) + < 3 s of backoff: inside the API
# function's timeout, which is inside AppSync's 30 s. Retried writes are safe: TransactWriteItems
# carries an idempotency token (botocore fills ClientRequestToken), conditional puts and
# SET-only updates give the same result twice.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3},
    connect_timeout=1,
    read_timeout=3,
)
# Pre-signed POSTs and GETs signed with SigV4, as every region accepts. botocore picks
# virtual-hosted URLs on AWS and path-style ones for a local endpoint on 127.0.0.1 by itself.
S3_CONFIG = CLIENT_CONFIG.merge(Config(signature_version="s3v4"))
BATCH_GET_LIMIT = 100  # DynamoDB's per-request cap
_UNPROCESSED_ATTEMPTS = 6

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB item from plain values; floats become Decimals and None is left out."""
    return {
        key: _serializer.serialize(_to_dynamo(value))
        for key, value in values.items()
        if value is not None
    }


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _from_dynamo(_deserializer.deserialize(value)) for key, value in item.items()}


def to_value(value: Any) -> Any:
    return _serializer.serialize(_to_dynamo(value))


def batch_get(
    client: DynamoDBClient,
    table: str,
    keys: Sequence[Mapping[str, Any]],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> list[dict[str, Any]]:
    """Every item found for `keys` (plain values), retrying UnprocessedKeys with backoff.

    Up to 100 keys is one request: the round trip count depends on the number of distinct keys
    over 100, never on how many fields asked for them.
    """
    unique = list({tuple(sorted(key.items())): key for key in keys}.values())
    found: list[dict[str, Any]] = []
    for start in range(0, len(unique), BATCH_GET_LIMIT):
        chunk = unique[start : start + BATCH_GET_LIMIT]
        pending: dict[str, Any] = {table: {"Keys": [to_item(key) for key in chunk]}}
        for attempt in range(_UNPROCESSED_ATTEMPTS):
            response = client.batch_get_item(RequestItems=pending)
            found += [from_item(item) for item in response.get("Responses", {}).get(table, [])]
            pending = dict(response.get("UnprocessedKeys") or {})
            if not pending:
                break
            sleep(min(0.05 * 2**attempt, 1.0))
        else:
            raise RuntimeError("DynamoDB left keys unprocessed after retries")
    return found


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, list | tuple):
        return [_to_dynamo(item) for item in value]
    if isinstance(value, dict):
        return {key: _to_dynamo(item) for key, item in value.items() if item is not None}
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_from_dynamo(item) for item in value]
    if isinstance(value, dict):
        return {key: _from_dynamo(item) for key, item in value.items()}
    return value
