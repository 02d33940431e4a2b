"""A request's Lambda events as JSON text, encoding each part they share only once.

AppSync sends every event as JSON, and so does the devserver (`devserver.invoke`), but a nested
page repeats most of each event: the 20 events of a `Recipe.author` batch share their `info`,
`request` and `identity`, and each recipe is the `source` of all its batched fields. Encoding
whole events spent a third of the fixed-data devserver's JSON time on those repeats.

The text is byte for byte what `json.JSONEncoder(separators=(",", ":"))` makes of the whole
event, and the handler still decodes every event into objects of its own. Shared parts are
remembered by identity for one request, and kept alive so an identity is never reused; nothing
changes them meanwhile: `info` and `request` are built by the devserver only to be encoded, and
sources are Lambda answers that graphql-core only reads.
"""

from __future__ import annotations

import json
from typing import Any

encode_json = json.JSONEncoder(separators=(",", ":")).encode

_NULL = "null"
_EMPTY_OBJECT = "{}"


class EventEncoder:
    """Encodes the events of one request; a new one per request."""

    __slots__ = ("_keys", "_parts")

    def __init__(self) -> None:
        self._parts: dict[int, tuple[object, str]] = {}
        self._keys: dict[str, str] = {}

    def encode(self, payload: Any) -> str:
        """One event (a dict) or a batch (a list of them), as the JSON the handler receives."""
        if type(payload) is list:
            return "[" + ",".join([self._event(event) for event in payload]) + "]"
        return self._event(payload)

    def _event(self, event: Any) -> str:
        if type(event) is not dict:
            return encode_json(event)
        keys = self._keys
        members = []
        for key, value in event.items():
            text = keys.get(key)
            if text is None:
                if type(key) is not str:  # the encoder's own key rules, not an event of ours
                    return encode_json(event)
                text = keys[key] = encode_json(key) + ":"
            members.append(text + self._value(value))
        return "{" + ",".join(members) + "}"

    def _value(self, value: Any) -> str:
        if value is None:
            return _NULL
        if type(value) is not dict:
            return encode_json(value)
        if not value:
            return _EMPTY_OBJECT
        known = self._parts.get(id(value))
        if known is None or known[0] is not value:
            known = self._parts[id(value)] = (value, encode_json(value))
        return known[1]
