"""AppSync's error shapes: field errors, coercion errors, request errors and HTTP-level failures."""

from __future__ import annotations

import re
from bisect import bisect_right
from enum import Enum
from typing import TYPE_CHECKING, Any, cast
from weakref import WeakKeyDictionary

from graphql import GraphQLError, Node, Source, SourceLocation

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from graphql import GraphQLFormattedError
    from graphql.language import Location

UNAUTHORIZED_EXCEPTION = "UnauthorizedException"
UNAUTHORIZED_MESSAGE = "You are not authorized to make this call."
EXECUTION_TIMEOUT = "ExecutionTimeout"
EXECUTION_TIMEOUT_MESSAGE = "Execution timed out."
# The limit's errorType is observed [FIELD]; its message is UNCONFIRMED (amplify-js#8342 quotes it).
RESOLVER_LIMIT_REACHED = "ResolverExecutionLimitReached"
RESOLVER_LIMIT_MESSAGE = "Resolver invocation limit reached."
MALFORMED_REQUEST = "MalformedHttpRequestException"
EMPTY_BODY_MESSAGE = "Request body is empty."
UNPARSABLE_MESSAGE = "Unable to parse GraphQL query."
LAMBDA_UNHANDLED = "Lambda:Unhandled"


class Shape(Enum):
    """Which of AppSync's three error layouts an error uses (semantics §1.4, §1.3, §9)."""

    FIELD = "field"  # raised by a resolver or directive check: errorType, data, errorInfo
    COERCION = "coercion"  # AppSync's own output checks: path, `locations: null`, message
    REQUEST = "request"  # validation and variables: `path: null`, locations, message


class FieldError(Exception):
    """A resolver outcome that becomes a typed AppSync error on its field (which turns null)."""

    def __init__(self, error_type: str | None, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.data = data


class ExecutionTimeoutError(FieldError):
    """The request's time budget (AppSync: 30 s) ran out before this field resolved."""

    def __init__(self) -> None:
        super().__init__(EXECUTION_TIMEOUT, EXECUTION_TIMEOUT_MESSAGE)


class ResolverLimitError(FieldError):
    """The request needed more resolver executions than the API's `resolverCountLimit`."""

    def __init__(self) -> None:
        super().__init__(RESOLVER_LIMIT_REACHED, RESOLVER_LIMIT_MESSAGE)


class CoercionError(Exception):
    """A value that fails AppSync's output checks; the message is already AppSync's full text."""


class HttpError(Exception):
    """A failure answered before GraphQL execution, with its own HTTP status (400, 401, 403)."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"errors": [{"errorType": self.error_type, "message": self.message}]}


def malformed(message: str) -> HttpError:
    return HttpError(400, MALFORMED_REQUEST, message)


class AppSyncError(GraphQLError):
    """A GraphQL error that formats itself as AppSync does, keys in AppSync's order.

    Overriding `formatted` (rather than post-processing results) means every transport that
    formats errors through graphql-core, Strawberry's WebSocket handlers included, gets
    AppSync's shape for free.
    """

    def __init__(
        self,
        message: str,
        shape: Shape,
        *,
        nodes: Collection[Node] | Node | None = None,
        path: Sequence[str | int] | None = None,
        error_type: str | None = None,
        data: Any = None,
        original_error: Exception | None = None,
    ) -> None:
        super().__init__(message, path=path, original_error=original_error)
        # The nodes' locations, as graphql-core would set them, but without rescanning the
        # query for each error: a stopped request fails a field for every item of its lists.
        node_list = [nodes] if isinstance(nodes, Node) else list(nodes or ())
        self.nodes = node_list or None
        spans = [node.loc for node in node_list if node.loc]
        if spans:
            self.source = spans[0].source
            self.positions = [span.start for span in spans]
            self.locations = [_location(span) for span in spans]
        self.shape = shape
        self.error_type = error_type
        self.data = data

    @property
    def formatted(self) -> GraphQLFormattedError:
        locations = (
            [
                {"line": location.line, "column": location.column, "sourceName": None}
                for location in self.locations[:1]
            ]
            if self.locations
            else None
        )
        formatted: dict[str, Any]
        if self.shape is Shape.FIELD:
            formatted = {
                "path": self.path,
                "data": self.data,
                "errorType": self.error_type,
                "errorInfo": None,
                "locations": locations,
                "message": self.message,
            }
        elif self.shape is Shape.COERCION:
            formatted = {"path": self.path, "locations": None, "message": self.message}
        else:
            formatted = {"path": None, "locations": locations, "message": self.message}
        return cast("GraphQLFormattedError", formatted)


_NEWLINE = re.compile(r"\r\n|[\n\r]")
_LINE_STARTS: WeakKeyDictionary[Source, list[int]] = WeakKeyDictionary()


def _location(span: Location) -> SourceLocation:
    """Line and column of a node, from its source's line starts, indexed once per source."""
    starts = _LINE_STARTS.get(span.source)
    if starts is None:
        starts = [0, *(match.end() for match in _NEWLINE.finditer(span.source.body))]
        _LINE_STARTS[span.source] = starts
    line = bisect_right(starts, span.start)
    return SourceLocation(line, span.start + 1 - starts[line - 1])


def request_error(message: str, nodes: Collection[Node] | Node | None = None) -> AppSyncError:
    return AppSyncError(message, Shape.REQUEST, nodes=nodes)


def format_path(path: Sequence[str | int]) -> str:
    """graphql-java's result path text: `/recipes/items[0]/author`."""
    return "".join(f"[{key}]" if isinstance(key, int) else f"/{key}" for key in path)


def drop_tracebacks(error: BaseException) -> None:
    """Clear the tracebacks of `error` and of the exceptions it chains to.

    An error the answer keeps would otherwise keep every frame it passed through, and with them
    the executor that keeps the error: a reference cycle per field error, and for a request
    stopped at the resolver limit some 400,000 objects that only a full collection frees, in
    one pause of about half a second for every request in flight.
    """
    pending = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        chained = (current.__cause__, current.__context__, getattr(current, "original_error", None))
        pending.extend(link for link in chained if isinstance(link, BaseException))
