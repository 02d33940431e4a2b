"""The client-facing error hierarchy; each class name is the AppSync `errorType` a client sees.

With a Direct Lambda resolver, AppSync turns a raised exception into a GraphQL error whose
`errorType` is the exception's class name and whose `message` is its text. So these names are
part of the API, and their messages must be safe to show to anyone.
"""

from __future__ import annotations


class AppError(Exception):
    """Base for errors whose message is safe to show to clients."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def error_type(self) -> str:
        return type(self).__name__


class NotFound(AppError):  # noqa: N818 - the class name is the wire errorType
    """The thing asked for does not exist (or no longer does)."""


class Forbidden(AppError):  # noqa: N818
    """The caller is known but may not do this."""


class ValidationError(AppError):
    """The input breaks a documented limit or rule."""


class ConflictError(AppError):
    """A concurrent change won: the caller's expected version is stale."""


class BadRequest(AppError):  # noqa: N818
    """The request is malformed in a way validation cannot name, e.g. a bad nextToken."""


class InternalError(AppError):
    """Something unexpected failed; details are in the logs under the request id."""

    def __init__(self, request_id: str) -> None:
        super().__init__(f"An internal error occurred. Quote request id {request_id} to support.")
