"""Every JSON text a client sends is decoded here, with a limit on how deeply it nests.

Python's decoder recurses once per level, so `"[" * 5000` raised `RecursionError` wherever a
client's JSON was decoded: an HTTP 500, or a WebSocket dropped without a close code. The depth is
counted first, by a scan that skips strings, and text nested deeper than `MAX_DEPTH` is refused
like any other bad JSON: `JsonInputError` is a `json.JSONDecodeError`, so callers that handle
bad JSON (ours and Strawberry's) handle it too. AppSync's own limit is UNCONFIRMED; 128 levels is
far more than a GraphQL request needs and far less than Python's recursion limit.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

MAX_DEPTH = 128

# A whole string (skipped, escapes included), or a bracket. Possessive quantifiers: an
# unterminated string fails in linear time.
_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')
_OPENERS = frozenset("[{")


class JsonInputError(json.JSONDecodeError):
    """JSON nested deeper than `MAX_DEPTH`."""


def loads(data: str | bytes, *, parse_constant: Callable[[str], Any] | None = None) -> Any:
    """`json.loads` for text from a client: `ValueError` (never `RecursionError`) if it is bad."""
    text = (
        data.decode(json.detect_encoding(data), "surrogatepass")
        if isinstance(data, bytes)
        else data
    )
    _check_depth(text)
    return json.loads(text, parse_constant=parse_constant)


def _check_depth(text: str) -> None:
    # The decoder stops at the first error, and until then it nests exactly as the brackets
    # outside strings do, so this count bounds its recursion even for text that is not JSON.
    depth = 0
    for token in _TOKEN.finditer(text):
        if text[token.start()] in _OPENERS:
            depth += 1
            if depth > MAX_DEPTH:
                raise JsonInputError(
                    f"JSON nested more than {MAX_DEPTH} levels deep", text, token.start()
                )
        elif text[token.start()] != '"':
            depth -= 1
