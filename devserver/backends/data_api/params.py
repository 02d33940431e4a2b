"""Turn Data API `SqlParameter`s into typed psycopg parameters, as the real service binds them.

A bare `stringValue` is bound as `varchar`, like the JDBC driver behind the real service does, so
`uuid = :id` fails without `typeHint: UUID` (or an explicit cast) locally exactly as it does on AWS.
Type hints bind the string as `date`, `time`, `timestamp`, `numeric`, `uuid` or `json`, after the
same format checks the service makes. Array parameters are rejected, as the service documents.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import adapt, postgres
from psycopg.types.numeric import Float8, Int8

from devserver.backends.data_api.errors import BadRequestException


class _TypedText(str):
    """A string parameter sent with an explicit PostgreSQL type."""

    __slots__ = ()


class Varchar(_TypedText):
    __slots__ = ()


class Uuid(_TypedText):
    __slots__ = ()


class Date(_TypedText):
    __slots__ = ()


class Time(_TypedText):
    __slots__ = ()


class Timestamp(_TypedText):
    __slots__ = ()


class Numeric(_TypedText):
    __slots__ = ()


class Json(_TypedText):
    __slots__ = ()


_PG_TYPE_OF: dict[type[_TypedText], str] = {
    Varchar: "varchar",
    Uuid: "uuid",
    Date: "date",
    Time: "time",
    Timestamp: "timestamp",
    Numeric: "numeric",
    Json: "json",
}


class _TextDumper(adapt.Dumper):
    def dump(self, obj: Any) -> bytes:
        return str(obj).encode()


def _dumper_for(pg_name: str) -> type[adapt.Dumper]:
    class _Dumper(_TextDumper):
        oid = postgres.types[pg_name].oid

    return _Dumper


def register_dumpers(context: adapt.AdaptersMap) -> None:
    """Teach a connection (or adapters map) to send each typed string with its own type OID."""
    for python_type, pg_name in _PG_TYPE_OF.items():
        context.register_dumper(python_type, _dumper_for(pg_name))


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}:\d{2}(\.\d{1,9})?")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?")
_TIMESTAMP_CHARS = re.compile(r"[0-9 :.\-]*")


def _hinted(text: str, hint: str) -> _TypedText:
    if hint == "UUID":
        return Uuid(text)
    if hint == "DECIMAL":
        return Numeric(text)
    if hint == "JSON":
        return Json(text)
    if hint == "DATE":
        return _checked(text, _DATE, Date)
    if hint == "TIME":
        return _checked(text, _TIME, Time)
    if hint == "TIMESTAMP":
        if not _TIMESTAMP_CHARS.fullmatch(text):
            raise BadRequestException(
                "Parse Error for TimeStamp: input contains invalid characters"
            )
        return _checked(text, _TIMESTAMP, Timestamp)
    raise BadRequestException(f"Invalid typeHint: {hint}")


def _checked(text: str, pattern: re.Pattern[str], kind: type[_TypedText]) -> _TypedText:
    if not pattern.fullmatch(text):
        raise BadRequestException(f'Cannot parse date or time "{text}"')
    return kind(text)


def _value(field: Mapping[str, Any], hint: str | None) -> object:
    if not isinstance(field, Mapping) or len(field) != 1:
        raise BadRequestException("Each parameter value must set exactly one member of Field")
    ((kind, raw),) = field.items()
    if kind == "isNull":
        return None
    if kind == "stringValue" and isinstance(raw, str):
        return Varchar(raw) if hint is None else _hinted(raw, hint)
    if kind == "longValue" and isinstance(raw, int) and not isinstance(raw, bool):
        return Int8(raw)
    if kind == "doubleValue" and isinstance(raw, int | float) and not isinstance(raw, bool):
        return Float8(raw)
    if kind == "booleanValue" and isinstance(raw, bool):
        return raw
    if kind == "blobValue" and isinstance(raw, str):
        try:
            return base64.b64decode(raw, validate=True)
        except binascii.Error as e:
            raise BadRequestException("blobValue is not valid base64") from e
    if kind == "arrayValue":
        raise BadRequestException("Array parameters are not supported.")
    raise BadRequestException(f"Invalid parameter value: {kind}")


def convert(parameters: Sequence[Mapping[str, Any]] | None) -> dict[str, object]:
    """Map each parameter name to a psycopg value carrying the type the real service would bind."""
    values: dict[str, object] = {}
    for parameter in parameters or ():
        name = parameter.get("name")
        if not isinstance(name, str) or not name:
            raise BadRequestException("Each parameter must have a name")
        hint = parameter.get("typeHint")
        values[name.removeprefix(":")] = _value(parameter.get("value", {}), hint)
    return values


def bind(names: Sequence[str], values: Mapping[str, object]) -> list[object]:
    """Order the values for the `%s` placeholders; a placeholder without a value is an error."""
    missing = [name for name in dict.fromkeys(names) if name not in values]
    if missing:
        raise BadRequestException(f"No value specified for parameter: {missing[0]}")
    return [values[name] for name in names]
