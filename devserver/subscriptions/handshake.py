"""Where a WebSocket client's credentials come from (semantics §6.2).

AppSync clients send them as the `header` query parameter (base64 JSON, with `payload=e30=`),
as a `header-<base64url JSON>` sub-protocol, or as plain upgrade headers. The first of those
that is present is used, whole: an IAM signature covers exactly the headers it names.
graphql-transport-ws clients may also send them in `connection_init`'s payload.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devserver.http import json_input
from devserver.request import lower_headers

if TYPE_CHECKING:
    from collections.abc import Mapping

    from starlette.websockets import WebSocket

HEADER_SUBPROTOCOL_PREFIX = "header-"
_CREDENTIAL_HEADERS = ("authorization", "x-api-key")
_FORWARDED_FOR = "x-forwarded-for"


@dataclass(frozen=True)
class Handshake:
    """What the upgrade request carried."""

    peer: str
    headers: dict[str, str]  # lower-cased, without `cookie`: `request.headers` of the events
    encoded: tuple[dict[str, str] | None, ...]  # the `header` parameter, then the sub-protocol

    @classmethod
    def of(cls, websocket: WebSocket) -> Handshake:
        param = websocket.query_params.get("header")
        subprotocol = next(
            (
                protocol.removeprefix(HEADER_SUBPROTOCOL_PREFIX)
                for protocol in websocket.scope.get("subprotocols") or ()
                if protocol.startswith(HEADER_SUBPROTOCOL_PREFIX)
            ),
            None,
        )
        return cls(
            peer=websocket.client.host if websocket.client else "127.0.0.1",
            headers=lower_headers(websocket.headers),
            encoded=tuple(
                None if value is None else decode_header(value) or {}
                for value in (param, subprotocol)
            ),
        )

    def credentials(self, *preferred: Mapping[str, Any] | None) -> dict[str, str]:
        """The first source that names a credential: `preferred` ones, then §6.2's order.

        Without any credential, the plain headers (authentication then reports what is
        missing). A malformed encoded header counts as present and empty.
        """
        for source in preferred:
            if source and any(str(name).lower() in _CREDENTIAL_HEADERS for name in source):
                return self.as_credentials(source)
        for encoded in self.encoded:
            if encoded is not None:
                return self.as_credentials(encoded)
        return dict(self.headers)

    def as_credentials(self, source: Mapping[str, Any]) -> dict[str, str]:
        """Headers to authenticate with, from `source` (e.g. a `start`'s authorization)."""
        headers = {str(name).lower(): str(value) for name, value in source.items()}
        if _FORWARDED_FOR in self.headers:  # for identity.sourceIp, as over HTTP
            headers.setdefault(_FORWARDED_FOR, self.headers[_FORWARDED_FOR])
        return headers


def decode_header(encoded: str) -> dict[str, str] | None:
    """A base64 (standard or URL-safe, padding optional) JSON object, or None if it is not one."""
    text = encoded.strip().replace("-", "+").replace("_", "/")
    try:
        value = json_input.loads(base64.b64decode(text + "=" * (-len(text) % 4), validate=True))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(value, dict):
        return None
    return {str(name): str(item) for name, item in value.items() if item is not None}
