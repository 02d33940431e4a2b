"""Data API error types, shaped as botocore's `rds-data` service model declares them."""

# ruff: noqa: N818 - class names are the service model's error codes, which end in Exception

from __future__ import annotations

from typing import ClassVar

import psycopg


class DataApiError(Exception):
    """An error the endpoint returns to the client instead of a result."""

    code: ClassVar[str] = "InternalServerErrorException"
    status: ClassVar[int] = 500

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.code)
        self.message = message

    def body(self) -> dict[str, str]:
        body = {"__type": self.code}
        if self.message is not None:
            body["message"] = self.message
        return body


class BadRequestException(DataApiError):
    code = "BadRequestException"
    status = 400


class DatabaseErrorException(DataApiError):
    code = "DatabaseErrorException"
    status = 400


class SecretsErrorException(DataApiError):
    code = "SecretsErrorException"
    status = 400


class HttpEndpointNotEnabledException(DataApiError):
    code = "HttpEndpointNotEnabledException"
    status = 400


class UnsupportedResultException(DataApiError):
    code = "UnsupportedResultException"
    status = 400


class InternalServerErrorException(DataApiError):
    code = "InternalServerErrorException"
    status = 500


class UnknownOperationException(DataApiError):
    code = "UnknownOperationException"
    status = 404


class DatabaseUnavailableException(DataApiError):
    """The database cannot be reached (botocore's standard retry mode retries its 504)."""

    code = "DatabaseUnavailableException"
    status = 504


# SQLSTATE classes that mean the server went away, not that the statement was wrong:
# 08 connection exceptions, 57P01-57P03 shutdowns and "cannot connect now".
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def unavailable(reason: str) -> DatabaseUnavailableException:
    return DatabaseUnavailableException(
        f"The database is not available: {reason}. The devserver restarts its local"
        " PostgreSQL by itself; if this persists, see the devserver's log."
    )


# Aurora Serverless v2 and provisioned clusters (what infra deploys) report SQL errors as
# DatabaseErrorException; Serverless v1 reported BadRequestException (botocore's rds-data docs).
SQL_ERROR_TYPES: dict[str, type[DataApiError]] = {
    "DatabaseErrorException": DatabaseErrorException,
    "BadRequestException": BadRequestException,
}


def database_error(
    error: psycopg.Error, kind: type[DataApiError] = DatabaseErrorException
) -> DataApiError:
    """Render a PostgreSQL error the way Aurora's Data API does, as a `kind` error.

    The real service reports `ERROR: <message>; Position: <n>; SQLState: <code>` and leaves out
    DETAIL, which can carry row values. A lost connection (no SQLSTATE from the server, or a
    connection-class one) is `DatabaseUnavailableException`, as when Aurora's writer is away.
    """
    diag = error.diag
    if diag.sqlstate is None and isinstance(error, psycopg.OperationalError):
        return unavailable(str(error).strip().splitlines()[0] or "the connection was lost")
    if diag.sqlstate is not None and diag.sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
        return unavailable(diag.message_primary or diag.sqlstate)
    if diag.message_primary is None:
        return kind(str(error).strip() or type(error).__name__)
    parts = [f"{diag.severity_nonlocalized or diag.severity or 'ERROR'}: {diag.message_primary}"]
    if diag.statement_position:
        parts.append(f"Position: {diag.statement_position}")
    if diag.sqlstate:
        parts.append(f"SQLState: {diag.sqlstate}")
    return kind("; ".join(parts))
