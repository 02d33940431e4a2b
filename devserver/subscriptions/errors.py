"""The real-time endpoint's own errors, in the shapes AppSync clients have been seen to receive.

Texts and types come from field reports (semantics §6.3, §6.4 and client issue trackers):
`UnsupportedOperation` "<kind> not supported through the realtime channel",
`DuplicatedOperationError` "Duplicated operation with id <id>", `MaxSubscriptionsReachedError`
"Max number of 100 subscriptions reached", and filter limits as `{message, errorCode: 400}`
without an errorType. `connection_error` carries `errorCode` 401; a refused `start` does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from graphql import GraphQLError

if TYPE_CHECKING:
    from graphql import GraphQLFormattedError

    from devserver.auth import Unauthenticated

UNSUPPORTED_OPERATION = "UnsupportedOperation"
DUPLICATED_OPERATION = "DuplicatedOperationError"
MAX_SUBSCRIPTIONS_REACHED = "MaxSubscriptionsReachedError"


class RealtimeError(GraphQLError):
    """An error raised by the real-time service itself rather than by GraphQL execution."""

    def __init__(
        self, message: str, error_type: str | None = None, *, error_code: int | None = None
    ) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.error_code = error_code

    @property
    def formatted(self) -> GraphQLFormattedError:
        formatted: dict[str, Any] = {}
        if self.error_type is not None:
            formatted["errorType"] = self.error_type
        formatted["message"] = self.message
        if self.error_code is not None:
            formatted["errorCode"] = self.error_code
        return cast("GraphQLFormattedError", formatted)


def unsupported(kind: str = "unknown") -> RealtimeError:
    """What AppSync answers to a query, a mutation, or a message it does not understand."""
    return RealtimeError(
        f"{kind} not supported through the realtime channel", UNSUPPORTED_OPERATION
    )


def duplicated(operation_id: str) -> RealtimeError:
    return RealtimeError(f"Duplicated operation with id {operation_id}", DUPLICATED_OPERATION)


def max_subscriptions(limit: int) -> RealtimeError:
    return RealtimeError(f"Max number of {limit} subscriptions reached", MAX_SUBSCRIPTIONS_REACHED)


def too_many_filters(limit: int) -> RealtimeError:
    return RealtimeError(
        f"Filters exceed maximum attributes limit {limit} for subscription", error_code=400
    )


def unauthenticated(error: Unauthenticated, *, with_code: bool) -> RealtimeError:
    """A failed credential: `connection_error` shows the HTTP status as errorCode, `start` not."""
    return RealtimeError(
        error.message, error.error_type, error_code=error.status if with_code else None
    )


def errors_payload(errors: list[GraphQLError]) -> dict[str, Any]:
    return {"errors": [error.formatted for error in errors]}
