"""Credentials of a WebSocket client: AppSync's three places, and graphql-transport-ws's payload."""

from __future__ import annotations

import base64
import json

from devserver.subscriptions.handshake import Handshake, decode_header

HEADER = {"host": "example.appsync-api.us-east-1.amazonaws.com", "x-api-key": "da2-k"}


def test_header_decodes_from_standard_or_url_safe_base64_with_or_without_padding() -> None:
    raw = json.dumps(HEADER).encode()
    for encoded in (
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    ):
        assert decode_header(encoded) == HEADER


def test_malformed_headers_decode_to_none() -> None:
    assert decode_header("not base64!") is None
    assert decode_header(base64.b64encode(b"[1, 2]").decode()) is None
    assert decode_header(base64.b64encode(b"{nope").decode()) is None


def test_encoded_header_wins_over_plain_headers_and_keeps_forwarded_for() -> None:
    handshake = Handshake(
        peer="10.0.0.1",
        headers={"x-api-key": "plain", "x-forwarded-for": "1.2.3.4"},
        encoded=(HEADER, None),
    )
    assert handshake.credentials() == {**HEADER, "x-forwarded-for": "1.2.3.4"}


def test_a_malformed_encoded_header_counts_as_present_and_empty() -> None:
    handshake = Handshake(peer="p", headers={"x-api-key": "plain"}, encoded=({}, None))
    assert handshake.credentials() == {}


def test_plain_headers_are_the_fallback() -> None:
    handshake = Handshake(peer="p", headers={"x-api-key": "plain"}, encoded=(None, None))
    assert handshake.credentials() == {"x-api-key": "plain"}


def test_a_preferred_source_counts_only_if_it_names_a_credential() -> None:
    handshake = Handshake(peer="p", headers={}, encoded=(HEADER, None))
    assert handshake.credentials({"Authorization": "jwt"}) == {"authorization": "jwt"}
    assert handshake.credentials({"foo": "bar"}, None) == HEADER
