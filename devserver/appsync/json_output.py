r"""Every GraphQL answer the devserver sends over HTTP is encoded here: orjson, else the standard library.

The standard library takes about 40 ms to encode the 3 MB answer of a 200-alias query (its
~10,000 errors included), all of it on the event loop, so every other client's request waits that
long (benchmarks/RESULTS.md, section 8); orjson takes a tenth of that, here and for a home feed
(58 against 5 µs). The JSON value is the same; only its spelling differs: characters beyond ASCII are
written as UTF-8 rather than `\u` escapes, as subscription messages already are. NaN and
infinities (which are not JSON, and which only a Lambda's error data could carry here) become
`null`. What orjson refuses to encode (integers beyond 64 bits, keys that are not strings) the
standard library encodes as it always did.
"""

from __future__ import annotations

import json

import orjson

_standard_encode = json.JSONEncoder(separators=(",", ":")).encode


def dumps(value: object) -> bytes:
    """`value` as compact JSON in UTF-8."""
    try:
        return orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError included
        return _standard_encode(value).encode()
