"""Comments, their page cursor, and the validation of comment input."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from resolvers.errors import NotFound, ValidationError
from resolvers.ids import parse_id
from resolvers.text import require_storable

BODY_MAX = 2_000

T = TypeVar("T")


@dataclass(frozen=True)
class Comment:
    id: str
    recipe_id: str
    author_id: str
    body: str
    created_at: str
    updated_at: str

    def to_graphql(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "recipeId": self.recipe_id,
            "authorId": self.author_id,
            "body": self.body,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


@dataclass(frozen=True)
class DeletedComment:
    id: str
    recipe_id: str
    deleted_at: str

    def to_graphql(self) -> dict[str, Any]:
        return {"id": self.id, "recipeId": self.recipe_id, "deletedAt": self.deleted_at}


@dataclass(frozen=True)
class CommentCursor:
    """The last comment of a page: exact creation time in microseconds, then id, as ordered."""

    created_us: int
    id: str


@dataclass(frozen=True)
class CommentPage:
    items: tuple[Comment, ...]
    next: CommentCursor | None


@dataclass(frozen=True)
class Guarded(Generic[T]):
    """A write that only some callers may make: whether the target existed, and the result.

    `value` is None when the target exists but the caller was not allowed to change it.
    """

    found: bool
    value: T | None = None


def parse_body(value: Any) -> str:
    """The comment text, stripped: 1 to BODY_MAX characters that PostgreSQL can store."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationError("body must not be empty.")
    if len(text) > BODY_MAX:
        raise ValidationError(f"body must be at most {BODY_MAX} characters.")
    require_storable("body", text)
    return text


def parse_comment_id(value: Any) -> str:
    """A canonical comment id; anything that is not a UUID cannot name a comment."""
    text = parse_id(value, "id")
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise NotFound(f"Comment {value} not found.") from None
