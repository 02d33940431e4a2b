"""Events encoded from parts shared across a request: the same text as each whole event dict."""

from __future__ import annotations

import json

from devserver.lambda_runtime.eventjson import Event, EventEncoder, Info

ENCODE = json.JSONEncoder(separators=(",", ":")).encode
IDENTITY = {"sub": "user-1", "groups": ["cooks"], "claims": {"é": 1.5}}
HEADERS = {"x-api-key": "k", "host": "127.0.0.1", "x-note": "ü\u2028"}


def _whole(payload: Event | list[Event]) -> str:
    """What encoding the whole event dicts with the standard encoder gives."""
    if isinstance(payload, list):
        return ENCODE([event.as_dict(IDENTITY, HEADERS) for event in payload])
    return ENCODE(payload.as_dict(IDENTITY, HEADERS))


def test_a_batch_sharing_parts_encodes_to_the_text_of_each_whole_event() -> None:
    # GIVEN a batch whose events share their info, two of them the same source
    info = Info({"selectionSetList": ["id"], "fieldName": "author", "variables": {"n": 1.5}})
    recipe = {"id": "r1", "tags": ["thai"], "quantity": 0.1, "big": 2**70, "nan": float("nan")}
    batch = [Event({}, recipe, info), Event({}, recipe, info), Event({"x": [1]}, None, info)]
    encoder = EventEncoder(IDENTITY, HEADERS)

    # WHEN the batch is encoded, twice (the second time from what the first remembered)
    first = encoder.encode(batch)
    second = encoder.encode(batch)

    # THEN both are byte for byte the standard encoding of the whole event dicts
    assert first == second == _whole(batch)
    assert json.loads(first)[0]["request"] == {"headers": HEADERS, "domainName": None}


def test_a_single_event_with_arguments_and_no_identity() -> None:
    encoder = EventEncoder(None, {})
    event = Event(
        {"id": "r1", "limit": 3, "filter": {"tags": ["a"], "empty": {}}},
        None,
        Info({"fieldName": "recipe", "selectionSetList": [], "selectionSetGraphQL": ""}),
    )
    assert encoder.encode(event) == ENCODE(event.as_dict(None, {}))


def test_a_source_is_remembered_by_identity_not_by_equality() -> None:
    # GIVEN a source already encoded, and an equal-looking one that is another object
    encoder = EventEncoder(None, {})
    info = Info({})
    first = {"id": "r1"}
    encoder.encode(Event({}, first, info))
    other = {"id": "r1"}
    other["id"] = "r2"

    # WHEN the other is encoded THEN its own value is used, not the first one's text
    assert '"source":{"id":"r2"}' in encoder.encode(Event({}, other, info))
