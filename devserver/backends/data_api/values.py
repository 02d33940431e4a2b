"""Encode PostgreSQL's text output as Data API `Field`s and as `formattedRecords` JSON values.

Values are read as the raw text PostgreSQL sends, so every type, including user-defined ones, has
one code path. Integers become `longValue`, floats `doubleValue`, booleans `booleanValue`, bytea
`blobValue`, one-dimensional arrays `arrayValue`; numeric, dates, times, uuid, json and the rest
become `stringValue`. Values with a time zone are shifted to UTC and printed without an offset,
as the real service prints them.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from devserver.backends.data_api.errors import UnsupportedResultException

if TYPE_CHECKING:
    from devserver.backends.data_api.pgtypes import PgType

_INTEGERS = {"int2", "int4", "int8", "oid"}
_FLOATS = {"float4", "float8"}


@dataclass(frozen=True)
class ResultOptions:
    """The request's `resultSetOptions`."""

    decimals_as_numbers: bool = False  # decimalReturnType DOUBLE_OR_LONG
    longs_as_strings: bool = False  # longReturnType STRING

    @classmethod
    def parse(cls, options: dict[str, Any] | None) -> ResultOptions:
        options = options or {}
        return cls(
            decimals_as_numbers=options.get("decimalReturnType") == "DOUBLE_OR_LONG",
            longs_as_strings=options.get("longReturnType") == "STRING",
        )


def _float(text: str) -> float:
    return float(text)  # Python parses PostgreSQL's NaN, Infinity and -Infinity spellings


_OFFSET = re.compile(r"([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$")


def _split_offset(text: str) -> tuple[str, timedelta]:
    match = _OFFSET.search(text)
    if match is None:
        return text, timedelta(0)
    sign, hours, minutes, seconds = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0), seconds=int(seconds or 0))
    return text[: match.start()], delta if sign == "+" else -delta


def _format_fraction(moment: datetime) -> str:
    return f".{moment.microsecond:06d}".rstrip("0") if moment.microsecond else ""


def _utc_timestamp(text: str) -> str:
    bc = text.endswith(" BC")
    local, offset = _split_offset(text.removesuffix(" BC"))
    if not offset or bc:
        return local + (" BC" if bc else "")
    try:
        moment = datetime.fromisoformat(local) - offset
    except ValueError:  # years past 9999: keep PostgreSQL's own spelling
        return local
    return moment.strftime("%Y-%m-%d %H:%M:%S") + _format_fraction(moment)


def _utc_time(text: str) -> str:
    local, offset = _split_offset(text)
    if not offset:
        return local
    try:
        moment = datetime.fromisoformat(f"2000-01-01 {local}") - offset
    except ValueError:  # 24:00:00, which PostgreSQL allows: keep its spelling
        return local
    return moment.strftime("%H:%M:%S") + _format_fraction(moment)


def _string(pg_type: PgType, text: str) -> str:
    if pg_type.name == "timestamptz":
        return _utc_timestamp(text)
    if pg_type.name == "timetz":
        return _utc_time(text)
    return text


def parse_array(text: str, delimiter: str = ",") -> list[Any]:
    """Parse PostgreSQL's array output (`{1,NULL,"a b"}`) into nested lists of str and None."""
    start = text.index("=") + 1 if text.startswith("[") else 0  # drop `[0:1]=` bounds
    items, _ = _parse_level(text, start, delimiter)
    return items


def _parse_level(text: str, pos: int, delimiter: str) -> tuple[list[Any], int]:
    items: list[Any] = []
    pos += 1  # the opening brace
    if text[pos] == "}":
        return items, pos + 1
    while True:
        if text[pos] == "{":
            nested, pos = _parse_level(text, pos, delimiter)
            items.append(nested)
        elif text[pos] == '"':
            chars: list[str] = []
            pos += 1
            while text[pos] != '"':
                if text[pos] == "\\":
                    pos += 1
                chars.append(text[pos])
                pos += 1
            items.append("".join(chars))
            pos += 1
        else:
            end = pos
            while text[end] not in (delimiter, "}"):
                end += 1
            token = text[pos:end]
            items.append(None if token.upper() == "NULL" else token)
            pos = end
        if text[pos] == "}":
            return items, pos + 1
        pos += 1  # the delimiter


class ValueEncoder:
    """Encodes one column's raw values, given the column's type."""

    def __init__(self, pg_type: PgType, types: dict[int, PgType], options: ResultOptions) -> None:
        self.pg_type = pg_type
        self.element = types.get(pg_type.element) if pg_type.is_array else None
        self.options = options

    def field(self, raw: bytes | None) -> dict[str, Any]:
        """The value as a Data API `Field` union."""
        if raw is None:
            return {"isNull": True}
        if self.element is not None:
            return {"arrayValue": self._array_field(self.element, raw.decode())}
        return self._scalar_field(self.pg_type, raw)

    def json(self, raw: bytes | None) -> Any:
        """The value as `formattedRecords` represents it."""
        if raw is None:
            return None
        if self.element is not None:
            element = self.element
            return [
                None if item is None else self._scalar_json(element, item.encode())
                for item in _elements(element, raw.decode())
            ]
        return self._scalar_json(self.pg_type, raw)

    def _array_field(self, element: PgType, text: str) -> dict[str, list[Any]]:
        items = _elements(element, text)
        if element.name in _INTEGERS and not self.options.longs_as_strings:
            return {"longValues": [None if i is None else int(i) for i in items]}
        if element.name in _FLOATS:
            return {"doubleValues": [None if i is None else _float(i) for i in items]}
        if element.name == "bool":
            return {"booleanValues": [None if i is None else i == "t" for i in items]}
        return {"stringValues": [None if i is None else _string(element, i) for i in items]}

    def _scalar_field(self, pg_type: PgType, raw: bytes) -> dict[str, Any]:
        name = pg_type.name
        if name == "bytea":
            return {"blobValue": base64.b64encode(_bytea(raw)).decode()}
        text = raw.decode()
        if name in _INTEGERS:
            return (
                {"stringValue": text} if self.options.longs_as_strings else {"longValue": int(text)}
            )
        if name in _FLOATS:
            return {"doubleValue": _float(text)}
        if name == "bool":
            return {"booleanValue": text == "t"}
        if name == "numeric" and self.options.decimals_as_numbers:
            return (
                {"longValue": int(text)}
                if text.lstrip("-").isdigit()
                else {"doubleValue": _float(text)}
            )
        return {"stringValue": _string(pg_type, text)}

    def _scalar_json(self, pg_type: PgType, raw: bytes) -> Any:
        field = self._scalar_field(pg_type, raw)
        ((_, value),) = field.items()
        return value


def _elements(element: PgType, text: str) -> list[str | None]:
    items = parse_array(text, element.delimiter)
    if any(isinstance(item, list) for item in items):
        raise UnsupportedResultException("Multidimensional arrays are not supported.")
    return items


def _bytea(raw: bytes) -> bytes:
    # bytea_output is 'hex' by default: \x followed by two hex digits per byte.
    return bytes.fromhex(raw[2:].decode()) if raw.startswith(b"\\x") else raw
