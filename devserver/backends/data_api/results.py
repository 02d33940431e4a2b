"""Shape an executed statement's outcome into an `ExecuteStatementResponse`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devserver.backends.data_api.errors import BadRequestException
from devserver.backends.data_api.metadata import Column, column_metadata
from devserver.backends.data_api.unsupported import check_result_types
from devserver.backends.data_api.values import ResultOptions, ValueEncoder

if TYPE_CHECKING:
    import psycopg

    from devserver.backends.data_api.pgtypes import PgTypeCache

# Command tags whose row count the service reports as numberOfRecordsUpdated.
_UPDATING_COMMANDS = {"INSERT", "UPDATE", "DELETE", "MERGE", "COPY"}
SIZE_LIMIT_MESSAGE = "Database returned more than the allowed response size limit"


@dataclass(frozen=True)
class ResultRequest:
    """The parts of an ExecuteStatement request that decide how results are returned."""

    include_metadata: bool
    as_json: bool
    options: ResultOptions
    max_bytes: int


def records_updated(cur: psycopg.Cursor[Any]) -> int:
    command = (cur.statusmessage or "").split(" ", 1)[0]
    return max(cur.rowcount, 0) if command in _UPDATING_COMMANDS else 0


def build_response(
    conn: psycopg.Connection[Any],
    cur: psycopg.Cursor[Any],
    types: PgTypeCache,
    request: ResultRequest,
) -> dict[str, Any]:
    """Encode the cursor's first result set (if any) as records or formattedRecords."""
    updated = records_updated(cur)
    result = cur.pgresult
    if cur.description is None or result is None:
        return {"numberOfRecordsUpdated": updated, "generatedFields": []}
    columns = [
        Column(desc.name, result.ftype(i), result.fmod(i), result.ftable(i), result.ftablecol(i))
        for i, desc in enumerate(cur.description)
    ]
    rows = [
        [result.get_value(row, col) for col in range(result.nfields)]
        for row in range(result.ntuples)
    ]
    # The limit applies to what the database returned, before the Data API's JSON wrapping.
    if sum(len(value) for row in rows for value in row if value) > request.max_bytes:
        raise BadRequestException(SIZE_LIMIT_MESSAGE)
    pg_types = types.resolve(conn, {c.type_oid for c in columns})
    check_result_types((c.type_oid for c in columns), pg_types)
    encoders = [
        ValueEncoder(pg_types[c.type_oid], pg_types, request.options)
        if c.type_oid in pg_types
        else None
        for c in columns
    ]
    if request.as_json:
        formatted = [
            {
                column.name: _json(encoder, value)
                for column, encoder, value in zip(columns, encoders, row, strict=True)
            }
            for row in rows
        ]
        return {"formattedRecords": json.dumps(formatted), "numberOfRecordsUpdated": updated}
    response: dict[str, Any] = {
        "records": [
            [_field(encoder, value) for encoder, value in zip(encoders, row, strict=True)]
            for row in rows
        ],
        "numberOfRecordsUpdated": updated,
    }
    if request.include_metadata:
        response["columnMetadata"] = column_metadata(conn, columns, pg_types)
    return response


def _field(encoder: ValueEncoder | None, value: bytes | None) -> dict[str, Any]:
    if encoder is None:  # a type pg_catalog does not know (a dropped type): plain text
        return {"isNull": True} if value is None else {"stringValue": value.decode()}
    return encoder.field(value)


def _json(encoder: ValueEncoder | None, value: bytes | None) -> Any:
    if encoder is None:
        return None if value is None else value.decode()
    return encoder.json(value)
