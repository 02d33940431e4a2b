"""Ids that clients send, checked before any store sees them.

DynamoDB refuses an empty key attribute and keys over 2,048 bytes (partition) or 1,024 bytes
(sort), and the store's refusal would reach the client as an InternalError. Ids here are UUIDs or
Cognito subs, so a generous cap of characters keeps every id, prefixed or not, far inside both
limits (4 bytes a character at most).
"""

from __future__ import annotations

from typing import Any

from resolvers.errors import ValidationError
from resolvers.text import require_storable

ID_MAX = 128
IDS_MAX = 100


def parse_id(value: Any, label: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{label} must not be empty.")
    if len(value) > ID_MAX:
        raise ValidationError(f"{label} must be at most {ID_MAX} characters.")
    return require_storable(label, value)


def parse_ids(values: Any, label: str) -> list[str]:
    """A list of ids, each checked; one request may name at most IDS_MAX of them."""
    if not isinstance(values, list):
        raise ValidationError(f"{label} must be a list of ids.")
    if len(values) > IDS_MAX:
        raise ValidationError(f"{label} may name at most {IDS_MAX} ids.")
    return [parse_id(value, label) for value in values]
