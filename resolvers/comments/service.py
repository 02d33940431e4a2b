"""Comment rules: who may write, edit and delete, and how pages of a thread are handed out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from resolvers.comments.models import (
    Comment,
    CommentCursor,
    DeletedComment,
    parse_body,
    parse_comment_id,
)
from resolvers.errors import BadRequest, Forbidden, NotFound
from resolvers.pagination import page_limit
from resolvers.profiles.service import ensure_profile

if TYPE_CHECKING:
    from collections.abc import Sequence

    from resolvers.comments.repository import CommentRepository
    from resolvers.identity import Caller
    from resolvers.pagination import PageTokens
    from resolvers.profiles.repository import ProfileRepository
    from resolvers.recipes.repository import RecipeLookup


@dataclass(frozen=True)
class CommentList:
    items: tuple[Comment, ...]
    next_token: str | None


def add_comment(
    comments: CommentRepository,
    recipes: RecipeLookup,
    profiles: ProfileRepository,
    caller: Caller,
    *,
    recipe_id: str,
    body: Any,
) -> Comment:
    author_id = caller.require_user()
    text = parse_body(body)
    if recipes.get(recipe_id) is None:
        raise _recipe_not_found(recipe_id)
    ensure_profile(profiles, caller)
    added = comments.add(recipe_id, author_id, text)
    if added is None:  # deleted after we looked it up: the tombstone refused the insert
        raise _recipe_not_found(recipe_id)
    return added


def edit_comment(
    comments: CommentRepository, caller: Caller, comment_id: Any, body: Any
) -> Comment:
    """Only the author edits, moderators included: an edit puts words in the author's mouth."""
    author_id = caller.require_user()
    text = parse_body(body)
    canonical_id = parse_comment_id(comment_id)
    edited = comments.edit(canonical_id, author_id, text)
    if not edited.found:
        raise _comment_not_found(comment_id)
    if edited.value is None:
        raise Forbidden("Only the author may edit this comment.")
    return edited.value


def delete_comment(
    comments: CommentRepository, caller: Caller, admin_group: str, comment_id: Any
) -> DeletedComment:
    """The author, members of the admin group and IAM operators may delete a comment."""
    moderator = caller.is_operator or caller.is_in(admin_group)
    # Checked before the lookup, so anonymous callers learn nothing about which ids exist.
    author_id = caller.user_id if moderator else caller.require_user()
    canonical_id = parse_comment_id(comment_id)
    deleted = comments.delete(canonical_id, author_id=author_id, any_author=moderator)
    if not deleted.found:
        raise _comment_not_found(comment_id)
    if deleted.value is None:
        raise Forbidden("Only the author or a moderator may delete this comment.")
    return deleted.value


def list_comments(
    comments: CommentRepository,
    tokens: PageTokens,
    recipe_id: str,
    limit: int | None,
    next_token: str | None,
) -> CommentList:
    size = page_limit(limit)
    scope = _comments_scope(recipe_id)
    after = _cursor(tokens.decode(scope, next_token)) if next_token else None
    page = comments.page(recipe_id, size, after)
    token = (
        tokens.encode(scope, {"at": page.next.created_us, "id": page.next.id})
        if page.next
        else None
    )
    return CommentList(items=page.items, next_token=token)


def comment_counts(
    comments: CommentRepository, recipe_ids: Sequence[str | None]
) -> list[int | None]:
    """Each recipe's comment count, in order, from one query for the whole batch."""
    counts = comments.counts([recipe_id for recipe_id in recipe_ids if recipe_id])
    return [counts.get(recipe_id, 0) if recipe_id else None for recipe_id in recipe_ids]


def _comments_scope(recipe_id: str) -> str:
    # Binds a token to one recipe's thread: replaying it under another recipe is refused.
    return f"Recipe.comments\n{recipe_id}"


def _cursor(position: dict[str, Any]) -> CommentCursor:
    at, comment_id = position.get("at"), position.get("id")
    # Signed, so only our own tokens get here; this guards against tokens of an older format.
    if not isinstance(at, int) or not isinstance(comment_id, str):
        raise BadRequest("nextToken is invalid or was issued for a different query.")
    return CommentCursor(created_us=at, id=parse_comment_id(comment_id))


def _recipe_not_found(recipe_id: str) -> NotFound:
    return NotFound(f"Recipe {recipe_id} not found.")


def _comment_not_found(comment_id: Any) -> NotFound:
    return NotFound(f"Comment {comment_id} not found.")
