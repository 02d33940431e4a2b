"""A request's Lambda events as JSON text, encoding each part they share only once.

AppSync sends every event as JSON, and so does the devserver (`devserver.lambda_runtime.invoke`), but a nested
page repeats most of each event: the 20 events of a `Recipe.author` batch share their `info`,
`request` and `identity`, and each recipe is the `source` of all its batched fields. Building
and encoding whole event dicts spent about half of the fixed-data devserver's event encoding on
those repeats, and the dicts themselves fed the garbage collector.

So a resolver records only what differs (`Event`), and `EventEncoder` writes the text from
parts encoded once per request: byte for byte what `json.JSONEncoder(separators=(",", ":"))`
makes of the whole event dict (`Event.as_dict`), which the handler still decodes into objects
of its own. Encoding happens when the event is invoked, as before, so an unencodable value
fails that invoke (the whole batch) and nothing earlier. Sources are remembered by identity for
the request and kept alive so an identity is never reused; nothing changes them meanwhile:
they are Lambda answers that graphql-core only reads.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

encode_json = json.JSONEncoder(separators=(",", ":")).encode


class Info:
    """An event's `info`, the same for every event of one field in one request."""

    __slots__ = ("_text", "value")

    def __init__(self, value: dict[str, Any]) -> None:
        self.value = value
        self._text: str | None = None

    def text(self) -> str:
        if self._text is None:
            self._text = encode_json(self.value)
        return self._text


class Event(NamedTuple):
    """One Direct Lambda resolver event (semantics §1.2), before encoding."""

    arguments: dict[str, Any]
    source: Any  # None for a root field
    info: Info

    def as_dict(self, identity: Any, headers: dict[str, str]) -> dict[str, Any]:
        """The event as a dict, in AppSync's key order: what `EventEncoder` encodes."""
        return {
            "arguments": self.arguments,
            "identity": identity,
            "source": self.source,
            "request": {"headers": headers, "domainName": None},
            "prev": None,
            "info": self.info.value,
            "stash": {},
        }


class EventEncoder:
    """Encodes the events of one request, whose caller and headers are fixed."""

    __slots__ = ("_headers", "_identity", "_prefix", "_sources")

    def __init__(self, identity: Any, headers: dict[str, str]) -> None:
        self._identity = identity
        self._headers = headers
        self._prefix: tuple[str, str] | None = None  # encoded when the first event is
        self._sources: dict[int, tuple[object, str]] = {}

    def encode(self, payload: Event | list[Event]) -> str:
        """One event, or a batch of them, as the JSON the handler receives."""
        if type(payload) is list:
            return "[" + ",".join([self._event(event) for event in payload]) + "]"
        return self._event(payload)  # type: ignore[arg-type] # an Event, by elimination

    def _event(self, event: Event) -> str:
        prefix = self._prefix
        if prefix is None:
            request = {"headers": self._headers, "domainName": None}
            prefix = self._prefix = (
                ',"identity":' + encode_json(self._identity) + ',"source":',
                ',"request":' + encode_json(request) + ',"prev":null,"info":',
            )
        arguments = event.arguments
        return (
            '{"arguments":'
            + ("{}" if type(arguments) is dict and not arguments else encode_json(arguments))
            + prefix[0]
            + self._source(event.source)
            + prefix[1]
            + event.info.text()
            + ',"stash":{}}'
        )

    def _source(self, source: Any) -> str:
        if source is None:
            return "null"
        known = self._sources.get(id(source))
        if known is None or known[0] is not source:
            known = self._sources[id(source)] = (source, encode_json(source))
        return known[1]
