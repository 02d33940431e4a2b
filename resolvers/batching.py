"""The per-item response form of AppSync batch invokes: `{data, errorMessage, errorType}`.

AppSync's documented handling of a Direct Lambda batch response reads each item as this
envelope, so every item is wrapped, success or not (semantics §2.4).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from resolvers.errors import AppError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")


def ok(data: Any) -> dict[str, Any]:
    return {"data": data}


def failed(error: AppError) -> dict[str, Any]:
    return {"data": None, "errorMessage": error.message, "errorType": error.error_type}


def per_item(items: Sequence[T], build: Callable[[T], Any]) -> list[dict[str, Any]]:
    """One envelope per item, in order; an AppError fails only its own item."""
    results: list[dict[str, Any]] = []
    for item in items:
        try:
            results.append(ok(build(item)))
        except AppError as error:
            results.append(failed(error))
    return results
