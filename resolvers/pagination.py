"""Page sizes and opaque, HMAC-signed `nextToken`s bound to the query that issued them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from resolvers.errors import BadRequest, ValidationError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_MAC_BYTES = 16  # 128-bit tags: unforgeable in practice, and keeps tokens short


def page_limit(limit: int | None) -> int:
    """The page size: 20 when omitted, capped at 100, and at least 1."""
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1:
        raise ValidationError("limit must be at least 1.")
    return min(limit, MAX_LIMIT)


class PageTokens:
    """Signs and checks pagination positions.

    The scope (the query and its arguments) is part of the signed text, so a token issued for one
    query is rejected by every other: a client cannot replay a position into another listing.
    """

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:  # noqa: PLR2004 - anything shorter is guessable
            raise ValueError("pagination secret must be at least 16 bytes")
        self._secret = secret

    def encode(self, scope: str, position: dict[str, Any]) -> str:
        payload = _b64encode(json.dumps(position, separators=(",", ":"), sort_keys=True).encode())
        return f"{payload}.{_b64encode(self._mac(scope, payload))}"

    def decode(self, scope: str, token: str) -> dict[str, Any]:
        payload, _, mac = token.partition(".")
        try:
            valid = hmac.compare_digest(_b64decode(mac), self._mac(scope, payload))
            position = json.loads(_b64decode(payload)) if valid else None
        except (binascii.Error, ValueError):
            position = None
        if not isinstance(position, dict):
            raise BadRequest("nextToken is invalid or was issued for a different query.")
        return position

    def _mac(self, scope: str, payload: str) -> bytes:
        message = f"{scope}\n{payload}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).digest()[:_MAC_BYTES]


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
