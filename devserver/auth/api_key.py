"""API keys: AppSync-style `da2-` keys with an expiry, persisted locally, constant-time checked."""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import string
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from devserver.auth import state
from devserver.auth.context import API_KEY, NOT_AUTHORIZED, AuthContext, Unauthenticated

API_KEY_FILE = "api-key.json"
_ALPHABET = string.ascii_lowercase + string.digits
_HOUR = 3600
_DAY = 24 * _HOUR

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApiKey:
    """One API key. `expires` is epoch seconds, as AppSync's API reports it."""

    id: str = field(repr=False)
    expires: int


def new_api_key(expiry_days: int, *, now: float | None = None) -> ApiKey:
    """A fresh key valid for `expiry_days` (AppSync allows 1..365 and rounds down to the hour)."""
    value = "da2-" + "".join(secrets.choice(_ALPHABET) for _ in range(26))
    return ApiKey(value, _expiry(expiry_days, now))


def load_or_create_api_key(
    state_dir: Path, expiry_days: int, *, value: str | None = None, now: float | None = None
) -> ApiKey:
    """The local API key.

    A pinned `value` is used as-is with a fresh expiry. Otherwise the key persisted under
    `state_dir` is reused until it expires; an expired one is replaced at start-up, the way a
    developer would create a new key, while a server that keeps running past the expiry
    rejects it as AppSync does.
    """
    if value is not None:
        return ApiKey(value, _expiry(expiry_days, now))
    path = state_dir / API_KEY_FILE
    key = _decode(state.read_or_create(path, lambda: _encode(new_api_key(expiry_days, now=now))))
    if key.expires <= (time.time() if now is None else now):
        key = new_api_key(expiry_days, now=now)
        state.replace(path, _encode(key))
        logger.info("expired local API key replaced", extra={"path": str(path)})
    return key


def authenticate_api_key(presented: str, keys: Iterable[ApiKey], *, now: float) -> AuthContext:
    """API_KEY mode: the key must match one configured key and be unexpired; identity is null."""
    match = None
    for key in keys:
        # Compare against every key so the timing says nothing about which prefix matched.
        if hmac.compare_digest(key.id.encode(), presented.encode()):
            match = key
    if match is None or match.expires <= now:
        # AppSync's text for an expired key is unconfirmed; it gets the generic 401 message.
        raise Unauthenticated(NOT_AUTHORIZED)
    return AuthContext(mode=API_KEY, identity=None)


def _expiry(expiry_days: int, now: float | None) -> int:
    if not 1 <= expiry_days <= 365:  # noqa: PLR2004 - AppSync's documented range
        raise ValueError("API key expiry must be 1..365 days")
    issued = time.time() if now is None else now
    return int(issued + expiry_days * _DAY) // _HOUR * _HOUR


def _encode(key: ApiKey) -> bytes:
    return json.dumps({"id": key.id, "expires": key.expires}).encode()


def _decode(raw: bytes) -> ApiKey:
    data = json.loads(raw)
    return ApiKey(str(data["id"]), int(data["expires"]))
