"""Comment storage: the Protocol services use, and its Aurora implementation over the Data API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from resolvers.clock import aws_datetime
from resolvers.comments.models import Comment, CommentCursor, CommentPage, DeletedComment, Guarded
from resolvers.observability import tracer
from resolvers.store.recipe_activity import recipe_write

if TYPE_CHECKING:
    from collections.abc import Sequence

    from resolvers.store.data_api import DataApi

# Times leave SQL as exact integer microseconds since the epoch, for two reasons: the page cursor
# must compare equal to the stored value, and SQL without colons inside string literals is safe
# from any named-parameter parser. Python formats them as AWSDateTime.
_COLUMNS = """CAST(id AS text) AS id, recipe_id, author_id, body,
    CAST(extract(epoch FROM created_at) * 1000000 AS bigint) AS created_us,
    CAST(extract(epoch FROM updated_at) * 1000000 AS bigint) AS updated_us"""

# Runs under the recipe's write lock (see recipe_activity): a deleted recipe takes no comment.
# The id comes from the caller, so a statement the client sends twice (a read timeout retried,
# a resume waited out) adds one comment and answers with it both times: the second run inserts
# nothing and the outer SELECT finds the first one's row.
INSERT = f"""
WITH inserted AS (
    INSERT INTO comments (id, recipe_id, author_id, body)
    SELECT CAST(:id AS uuid), :recipe_id, :author_id, :body
    WHERE NOT EXISTS (SELECT 1 FROM recipe_tombstones WHERE recipe_id = :recipe_id)
    ON CONFLICT (id) DO NOTHING
    RETURNING {_COLUMNS}
)
SELECT * FROM inserted
UNION ALL
SELECT {_COLUMNS} FROM comments
WHERE id = CAST(:id AS uuid) AND author_id = :author_id
  AND NOT EXISTS (SELECT 1 FROM inserted)"""  # noqa: S608 - composed from constants only

# One statement reads the owner and updates only if the caller is the owner, so "not found" and
# "not yours" are told apart on the same snapshot, with no read-then-write window.
EDIT = """
WITH target AS (
    SELECT id, author_id FROM comments WHERE id = CAST(:id AS uuid)
), edited AS (
    UPDATE comments SET body = :body, updated_at = now()
    FROM target
    WHERE comments.id = target.id AND target.author_id = :author_id
    RETURNING CAST(comments.id AS text) AS id, comments.recipe_id, comments.author_id,
        comments.body,
        CAST(extract(epoch FROM comments.created_at) * 1000000 AS bigint) AS created_us,
        CAST(extract(epoch FROM comments.updated_at) * 1000000 AS bigint) AS updated_us
)
SELECT target.author_id AS owner, edited.*
FROM target LEFT JOIN edited ON true"""

DELETE = """
WITH target AS (
    SELECT id, author_id FROM comments WHERE id = CAST(:id AS uuid)
), removed AS (
    DELETE FROM comments
    USING target
    WHERE comments.id = target.id AND (:any_author OR target.author_id = :author_id)
    RETURNING CAST(comments.id AS text) AS id, comments.recipe_id
)
SELECT target.author_id AS owner, removed.id, removed.recipe_id,
    CAST(extract(epoch FROM now()) * 1000000 AS bigint) AS deleted_us
FROM target LEFT JOIN removed ON true"""

# Oldest first, keyset-paginated on (created_at, id), which the comments_by_recipe index serves.
FIRST_PAGE = f"""
SELECT {_COLUMNS} FROM comments
WHERE recipe_id = :recipe_id
ORDER BY created_at, id
LIMIT :limit"""  # noqa: S608

NEXT_PAGE = f"""
SELECT {_COLUMNS} FROM comments
WHERE recipe_id = :recipe_id
  AND (created_at, id) > (
    to_timestamp(0) + CAST(:after_us AS bigint) * interval '1 microsecond',
    CAST(:after_id AS uuid))
ORDER BY created_at, id
LIMIT :limit"""  # noqa: S608

# A JSON list parameter arrives typed `json`; the cast lets jsonb unpack it into the ANY array.
COUNTS = """
SELECT recipe_id, CAST(count(*) AS integer) AS comments
FROM comments
WHERE recipe_id = ANY(ARRAY(
    SELECT jsonb_array_elements_text(CAST(:recipe_ids AS jsonb))))
GROUP BY recipe_id"""


class CommentRepository(Protocol):
    def add(self, recipe_id: str, author_id: str, body: str) -> Comment | None:
        """The new comment, or None if the recipe has been deleted."""
        ...

    def edit(self, comment_id: str, author_id: str, body: str) -> Guarded[Comment]:
        """Replace the body if `author_id` wrote the comment."""
        ...

    def delete(
        self, comment_id: str, *, author_id: str | None, any_author: bool
    ) -> Guarded[DeletedComment]:
        """Delete the comment if `author_id` wrote it, or whoever wrote it if `any_author`."""
        ...

    def page(self, recipe_id: str, limit: int, after: CommentCursor | None) -> CommentPage: ...

    def counts(self, recipe_ids: Sequence[str]) -> dict[str, int]:
        """Comments per recipe, in one round trip; recipes without any are left out."""
        ...


class AuroraCommentRepository:
    def __init__(self, db: DataApi) -> None:
        self._db = db

    @tracer.capture_method
    def add(self, recipe_id: str, author_id: str, body: str) -> Comment | None:
        comment_id = uuid.uuid4()
        with recipe_write(self._db, recipe_id) as tx:
            rows = tx.query(
                INSERT, id=comment_id, recipe_id=recipe_id, author_id=author_id, body=body
            )
        return _comment(rows[0]) if rows else None

    @tracer.capture_method
    def edit(self, comment_id: str, author_id: str, body: str) -> Guarded[Comment]:
        rows = self._db.query(EDIT, id=uuid.UUID(comment_id), author_id=author_id, body=body)
        if not rows:
            return Guarded(found=False)
        row = rows[0]
        if row["id"] is not None:
            return Guarded(found=True, value=_comment(row))
        # The caller owns it but nothing changed: a concurrent delete removed it first.
        return Guarded(found=row["owner"] != author_id)

    @tracer.capture_method
    def delete(
        self, comment_id: str, *, author_id: str | None, any_author: bool
    ) -> Guarded[DeletedComment]:
        rows = self._db.query(
            DELETE, id=uuid.UUID(comment_id), author_id=author_id, any_author=any_author
        )
        if not rows:
            return Guarded(found=False)
        row = rows[0]
        if row["id"] is not None:
            deleted = DeletedComment(row["id"], row["recipe_id"], _timestamp(row["deleted_us"]))
            return Guarded(found=True, value=deleted)
        allowed = any_author or row["owner"] == author_id
        # Allowed yet not deleted means a concurrent delete got there first.
        return Guarded(found=not allowed)

    @tracer.capture_method
    def page(self, recipe_id: str, limit: int, after: CommentCursor | None) -> CommentPage:
        # One extra row tells whether another page follows without a second query.
        if after is None:
            rows = self._db.query(FIRST_PAGE, recipe_id=recipe_id, limit=limit + 1)
        else:
            rows = self._db.query(
                NEXT_PAGE,
                recipe_id=recipe_id,
                after_us=after.created_us,
                after_id=uuid.UUID(after.id),
                limit=limit + 1,
            )
        kept = rows[:limit]
        last = kept[-1] if len(rows) > limit else None
        return CommentPage(
            items=tuple(_comment(row) for row in kept),
            next=CommentCursor(last["created_us"], last["id"]) if last else None,
        )

    @tracer.capture_method
    def counts(self, recipe_ids: Sequence[str]) -> dict[str, int]:
        unique = list(dict.fromkeys(recipe_ids))
        if not unique:
            return {}
        rows = self._db.query(COUNTS, recipe_ids=unique)
        return {row["recipe_id"]: row["comments"] for row in rows}


def _comment(row: dict[str, Any]) -> Comment:
    return Comment(
        id=row["id"],
        recipe_id=row["recipe_id"],
        author_id=row["author_id"],
        body=row["body"],
        created_at=_timestamp(row["created_us"]),
        updated_at=_timestamp(row["updated_us"]),
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _timestamp(micros: int) -> str:
    return aws_datetime(_EPOCH + timedelta(microseconds=micros))
