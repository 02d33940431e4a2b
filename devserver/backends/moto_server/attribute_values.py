"""moto's attribute values as fresh DynamoDB JSON structures, converted directly by their type.

moto's own `dynamo_to_dict` gets there through a generic recursion that tries
`hasattr(value, "to_json")` (an exception, for a string) on every leaf: 450 ms for 3,000 items
under the lock every request waits for (the snapshot, app.py), and a large share of each Query's
CPU (read_costs.py). moto keeps binary values as the base64 text it received, or as bytes when it
built them itself; `binary` says which form the caller wants.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from moto.dynamodb.models.dynamo_type import DynamoType


def plain(value: DynamoType, binary: Callable[[str | bytes], Any]) -> dict[str, Any]:
    """`{type: value}`, nested maps and lists converted too, binary values through `binary`."""
    kind, inner = value.type, value.value
    if kind == "M":
        return {"M": {k: plain(v, binary) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [plain(v, binary) for v in inner]}
    if kind == "B":
        return {"B": binary(inner)}
    if kind == "BS":
        return {"BS": [binary(v) for v in inner]}
    if kind in ("SS", "NS"):
        return {kind: list(inner)}
    return {kind: inner}


def as_base64(value: str | bytes) -> str:
    """Binary as DynamoDB's JSON writes it."""
    return value if isinstance(value, str) else base64.b64encode(value).decode()


def as_bytes(value: str | bytes) -> bytes:
    """Binary as moto's `dynamo_to_dict` returns it, for its response serializer to encode."""
    return value if isinstance(value, bytes) else base64.b64decode(value)
