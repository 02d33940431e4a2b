"""Build `columnMetadata` the way pgjdbc's `ResultSetMetaData` describes a result's columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devserver.backends.data_api import pgtypes
from devserver.backends.data_api.pgtypes import PgType

if TYPE_CHECKING:
    from collections.abc import Sequence

    import psycopg

# ResultSetMetaData.columnNoNulls / columnNullable
_NO_NULLS, _NULLABLE = 0, 1
_SERIAL_NAMES = {"int2": "smallserial", "int4": "serial", "int8": "bigserial"}

_TABLE_COLUMNS = """
SELECT a.attrelid::int8, a.attnum::int8, c.relname, a.attnotnull,
       a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid), '') LIKE '%%nextval(%%'
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY(%s::oid[]) AND a.attnum > 0
"""


@dataclass(frozen=True)
class Column:
    """What the wire protocol says about one result column."""

    name: str
    type_oid: int
    typmod: int
    table_oid: int
    table_column: int


@dataclass(frozen=True)
class _TableColumn:
    table: str
    not_null: bool
    auto_increment: bool


def _table_columns(
    conn: psycopg.Connection[Any], columns: Sequence[Column]
) -> dict[tuple[int, int], _TableColumn]:
    tables = sorted({c.table_oid for c in columns if c.table_oid})
    if not tables:
        return {}
    with conn.cursor() as cur:
        rows = cur.execute(_TABLE_COLUMNS, [tables]).fetchall()
    return {
        (int(rel), int(num)): _TableColumn(str(name), bool(not_null), bool(auto))
        for rel, num, name, not_null, auto in rows
    }


def column_metadata(
    conn: psycopg.Connection[Any], columns: Sequence[Column], types: dict[int, PgType]
) -> list[dict[str, Any]]:
    """One `ColumnMetadata` per column; looks up table columns for nullability and serials."""
    table_columns = _table_columns(conn, columns)
    metadata = []
    for column in columns:
        pg_type = types.get(column.type_oid) or PgType(column.type_oid, "unknown", "b", 0, ",")
        source = table_columns.get((column.table_oid, column.table_column))
        auto = bool(source and source.auto_increment)
        element = types.get(pg_type.element) if pg_type.is_array else None
        base = element or pg_type
        metadata.append(
            {
                "name": column.name,
                "label": column.name,
                "type": pg_type.jdbc_type(),
                "typeName": _SERIAL_NAMES.get(pg_type.name, pg_type.name) if auto else pg_type.name,
                "schemaName": "",
                "tableName": source.table if source else "",
                "isAutoIncrement": auto,
                "isSigned": pgtypes.is_signed(base),
                "isCurrency": base.name == "money",
                "isCaseSensitive": pgtypes.is_case_sensitive(base),
                "nullable": _NO_NULLS if source and source.not_null else _NULLABLE,
                "precision": pgtypes.precision(base, column.typmod),
                "scale": pgtypes.scale(base, column.typmod),
                "arrayBaseColumnType": element.jdbc_type() if element else 0,
            }
        )
    return metadata
