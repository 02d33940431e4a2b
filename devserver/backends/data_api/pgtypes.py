"""PostgreSQL type facts the Data API reports: names, JDBC type codes, precision and scale.

The real service runs on the PostgreSQL JDBC driver, so column metadata follows pgjdbc's
`TypeInfoCache`; the numbers below are taken from it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    import psycopg

# java.sql.Types codes
BIT = -7
SMALLINT = 5
INTEGER = 4
BIGINT = -5
REAL = 7
DOUBLE = 8
NUMERIC = 2
CHAR = 1
VARCHAR = 12
DATE = 91
TIME = 92
TIMESTAMP = 93
BINARY = -2
OTHER = 1111
DISTINCT = 2001
STRUCT = 2002
ARRAY = 2003
REF_CURSOR = 2012

_CORE_JDBC_TYPES = {
    "int2": SMALLINT,
    "int4": INTEGER,
    "oid": BIGINT,
    "int8": BIGINT,
    "money": DOUBLE,
    "numeric": NUMERIC,
    "float4": REAL,
    "float8": DOUBLE,
    "char": CHAR,
    "bpchar": CHAR,
    "varchar": VARCHAR,
    "text": VARCHAR,
    "name": VARCHAR,
    "bytea": BINARY,
    "bool": BIT,
    "bit": BIT,
    "date": DATE,
    "time": TIME,
    "timetz": TIME,
    "timestamp": TIMESTAMP,
    "timestamptz": TIMESTAMP,
    "refcursor": REF_CURSOR,
}
_JDBC_BY_TYPTYPE = {"c": STRUCT, "d": DISTINCT, "e": VARCHAR}

# pgjdbc reports Integer.MAX_VALUE when a length is unknown.
UNKNOWN_LENGTH = 2_147_483_647
_DATETIMES = {"date", "time", "timetz", "timestamp", "timestamptz", "interval"}
_FIXED_PRECISION = {"int2": 5, "int4": 10, "oid": 10, "int8": 19, "float4": 8, "float8": 17}
_NOT_CASE_SENSITIVE = {
    *_FIXED_PRECISION,
    *_DATETIMES,
    "numeric",
    "bool",
    "bit",
    "varbit",
}
_SIGNED = {"int2", "int4", "int8", "float4", "float8", "numeric"}
# PostgreSQL's typmod for numeric(p, s) is ((p << 16) | s) + VARHDRSZ.
_VARHDRSZ = 4


@dataclass(frozen=True)
class PgType:
    """One row of pg_type, as much of it as result encoding needs."""

    oid: int
    name: str
    typtype: str
    element: int  # the element type's OID for arrays, else 0
    delimiter: str

    @property
    def is_array(self) -> bool:
        return self.element != 0

    def jdbc_type(self) -> int:
        if self.is_array:
            return ARRAY
        return _CORE_JDBC_TYPES.get(self.name) or _JDBC_BY_TYPTYPE.get(self.typtype, OTHER)


def precision(pg_type: PgType, typmod: int) -> int:
    name = pg_type.name
    if name in _FIXED_PRECISION:
        return _FIXED_PRECISION[name]
    if name == "numeric":
        return 0 if typmod == -1 else ((typmod - _VARHDRSZ) >> 16) & 0xFFFF
    if name in ("bool", "char"):
        return 1
    if name in ("varchar", "bpchar"):
        return UNKNOWN_LENGTH if typmod == -1 else typmod - _VARHDRSZ
    if name in _DATETIMES:
        return _display_size(name, typmod)
    return UNKNOWN_LENGTH


def _display_size(name: str, typmod: int) -> int:
    if name == "date":
        return 13
    if name == "interval":
        return 49
    fraction = {-1: 7, 0: 0, 1: 3}.get(typmod, typmod + 1)
    base = {"time": 8, "timetz": 14, "timestamp": 22, "timestamptz": 28}[name]
    return base + fraction


def scale(pg_type: PgType, typmod: int) -> int:
    name = pg_type.name
    if name in ("float4", "float8"):
        return _FIXED_PRECISION[name]
    if name == "numeric":
        return 0 if typmod == -1 else (typmod - _VARHDRSZ) & 0xFFFF
    if name in ("time", "timetz", "timestamp", "timestamptz", "interval"):
        return 6 if typmod == -1 else typmod & 0xFFFF
    return 0


def is_case_sensitive(pg_type: PgType) -> bool:
    return pg_type.name not in _NOT_CASE_SENSITIVE


def is_signed(pg_type: PgType) -> bool:
    return pg_type.name in _SIGNED


_LOOKUP = """
SELECT t.oid::int8, t.typname, t.typtype,
       CASE WHEN t.typinput = 'array_in'::regproc THEN t.typelem::int8 ELSE 0 END,
       t.typdelim
FROM pg_catalog.pg_type t
WHERE t.oid = ANY(%s::oid[])
"""


class PgTypeCache:
    """Type facts by OID, read from pg_catalog once per OID and shared by all requests."""

    def __init__(self) -> None:
        self._types: dict[int, PgType] = {}
        self._lock = threading.Lock()

    def resolve(self, conn: psycopg.Connection[Any], oids: Iterable[int]) -> dict[int, PgType]:
        """Return facts for every OID (and, for arrays, their element types)."""
        wanted = set(oids)
        for _ in range(2):  # the second round fetches element types of newly seen arrays
            with self._lock:
                missing = [oid for oid in wanted if oid not in self._types]
            if missing:
                self._fetch(conn, missing)
            with self._lock:
                wanted |= {self._types[o].element for o in wanted if o in self._types}
                wanted.discard(0)
        with self._lock:
            return {oid: self._types[oid] for oid in wanted if oid in self._types}

    def _fetch(self, conn: psycopg.Connection[Any], oids: list[int]) -> None:
        with conn.cursor() as cur:
            rows = cur.execute(_LOOKUP, [oids]).fetchall()
        fetched = {
            int(oid): PgType(int(oid), str(name), str(typtype), int(element), str(delim))
            for oid, name, typtype, element, delim in rows
        }
        with self._lock:
            self._types.update(fetched)
