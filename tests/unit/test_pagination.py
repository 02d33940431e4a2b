"""nextToken is opaque, signed, and bound to the query that issued it."""

from __future__ import annotations

import base64
import json

import pytest

from resolvers.errors import BadRequest
from resolvers.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageTokens, page_limit

TOKENS = PageTokens(b"0123456789abcdef-secret")
SCOPE = "author:alice"


def test_round_trip() -> None:
    token = TOKENS.encode(SCOPE, {"pk": "RECIPE#1", "createdKey": "2026#1"})
    assert TOKENS.decode(SCOPE, token) == {"pk": "RECIPE#1", "createdKey": "2026#1"}


def test_forged_position_is_rejected() -> None:
    # GIVEN a real token whose payload a client rewrites to point elsewhere
    token = TOKENS.encode(SCOPE, {"pk": "RECIPE#1"})
    _, mac = token.split(".")
    forged = (
        base64.urlsafe_b64encode(json.dumps({"pk": "RECIPE#999"}).encode()).decode().rstrip("=")
    )
    # WHEN it is presented
    # THEN the signature no longer matches
    with pytest.raises(BadRequest, match="nextToken"):
        TOKENS.decode(SCOPE, f"{forged}.{mac}")


@pytest.mark.parametrize("garbled", ["", "abc", "abc.def", "....", "é.é", "a" * 500, "e30.AAAA"])
def test_garbled_tokens_are_bad_requests(garbled: str) -> None:
    with pytest.raises(BadRequest):
        TOKENS.decode(SCOPE, garbled)


def test_token_from_another_query_is_rejected() -> None:
    token = TOKENS.encode("author:alice", {"offset": 20})
    with pytest.raises(BadRequest):
        TOKENS.decode("author:bob", token)


def test_token_signed_with_another_key_is_rejected() -> None:
    other = PageTokens(b"another-secret-0123456789")
    with pytest.raises(BadRequest):
        TOKENS.decode(SCOPE, other.encode(SCOPE, {"offset": 20}))


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        PageTokens(b"short")


def test_page_limit_defaults_and_caps() -> None:
    assert page_limit(None) == DEFAULT_LIMIT == 20
    assert page_limit(100) == MAX_LIMIT == 100
    assert page_limit(101) == 100
    assert page_limit(1) == 1
