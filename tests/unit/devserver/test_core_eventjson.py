"""Events encoded with their shared parts remembered: the same text as encoding each whole event."""

from __future__ import annotations

import json
from typing import Any

from devserver.eventjson import EventEncoder

ENCODE = json.JSONEncoder(separators=(",", ":")).encode


def _event(source: Any, info: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    return {
        "arguments": {},
        "identity": {"sub": "user-1", "groups": ["cooks"]},
        "source": source,
        "request": request,
        "prev": None,
        "info": info,
        "stash": {},
    }


def test_a_batch_sharing_parts_encodes_to_the_text_of_each_whole_event() -> None:
    # GIVEN a batch whose events share their info and request, two of them the same source
    info = {"selectionSetList": ["id"], "fieldName": "author", "variables": {"n": 1.5}}
    request = {"headers": {"x-api-key": "k", "é": "ü"}, "domainName": None}
    recipe = {"id": "r1", "tags": ["thai"], "quantity": 0.1, "big": 2**70, "nan": float("nan")}
    batch = [
        _event(recipe, info, request),
        _event(recipe, info, request),
        _event(None, info, request),
    ]
    encoder = EventEncoder()

    # WHEN the batch is encoded, twice (the second time from what the first remembered)
    first = encoder.encode(batch)
    second = encoder.encode(batch)

    # THEN both are byte for byte what the standard encoder makes of the whole batch
    assert first == second == ENCODE(batch)


def test_a_single_event_and_values_outside_the_event_shape_encode_as_the_standard_encoder() -> None:
    encoder = EventEncoder()
    event = _event({"id": "r1"}, {"fieldName": "recipe"}, {"headers": {}})
    event["arguments"] = {"id": "r1", "limit": 3, "filter": {"tags": ["a"], "empty": {}}}
    assert encoder.encode(event) == ENCODE(event)
    # Non-string keys follow the standard encoder's own key rules, whole.
    odd: dict[Any, Any] = {"arguments": {}, 1: "one", None: [1, 2]}
    assert encoder.encode(odd) == ENCODE(odd)
    assert encoder.encode([odd, event]) == ENCODE([odd, event])
    assert encoder.encode("not an event") == ENCODE("not an event")


def test_a_part_is_remembered_by_identity_not_by_equality() -> None:
    # GIVEN two equal sources that are distinct objects, one of them changed before encoding
    encoder = EventEncoder()
    first = {"id": "r1"}
    encoder.encode(_event(first, {}, {}))
    other = {"id": "r1"}
    other["id"] = "r2"

    # WHEN the other is encoded THEN its own value is used, not the first one's text
    assert '"source":{"id":"r2"}' in encoder.encode(_event(other, {}, {}))
