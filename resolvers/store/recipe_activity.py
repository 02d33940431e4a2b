"""A recipe's comments and ratings in Aurora: the purge on delete, and writes that respect it."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from resolvers.observability import tracer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from resolvers.store.data_api import DataApi, Transaction

# Writers to a recipe's comments and ratings take this per-recipe lock shared and a purge takes it
# exclusive. A tombstone check alone cannot close the race: in READ COMMITTED a statement reads
# from a snapshot taken when it starts, so a write that began before the purge committed would
# miss the tombstone and attach a row to a deleted recipe. With the lock held first, the write's
# next statement starts after any purge has committed and sees its tombstone; and a purge waits
# for writes already under way, then deletes their rows too. The two-int key form keeps these
# locks apart from the migrator's single bigint key; 7302012 only names this use.
LOCK_FOR_WRITE = (
    "SELECT 1 AS locked FROM pg_advisory_xact_lock_shared(7302012, hashtext(:recipe_id))"
)
LOCK_FOR_PURGE = "SELECT 1 AS locked FROM pg_advisory_xact_lock(7302012, hashtext(:recipe_id))"

# Three data-modifying CTEs run as one statement: they all happen, or none does.
PURGE = """
WITH tombstone AS (
    INSERT INTO recipe_tombstones (recipe_id) VALUES (:recipe_id)
    ON CONFLICT (recipe_id) DO NOTHING
), removed_comments AS (
    DELETE FROM comments WHERE recipe_id = :recipe_id
), removed_ratings AS (
    DELETE FROM ratings WHERE recipe_id = :recipe_id
)
SELECT 1 AS purged"""

IS_DELETED = (
    "SELECT EXISTS (SELECT 1 FROM recipe_tombstones WHERE recipe_id = :recipe_id) AS deleted"
)


class RecipeActivity(Protocol):
    def purge(self, recipe_id: str) -> None: ...

    def is_deleted(self, recipe_id: str) -> bool: ...


class AuroraRecipeActivity:
    """Tombstones and clean-up for deleted recipes."""

    def __init__(self, db: DataApi) -> None:
        self._db = db

    @tracer.capture_method
    def purge(self, recipe_id: str) -> None:
        """Tombstone the recipe and delete its comments and ratings; safe to repeat.

        Call it before deleting the recipe itself: if that delete then fails, the recipe stays
        up but closed to comments and ratings, and a retried delete finishes the job. The other
        order could leave comments and ratings behind that no recipe shows.
        """
        with self._db.transaction() as tx:
            tx.query(LOCK_FOR_PURGE, recipe_id=recipe_id)
            tx.query(PURGE, recipe_id=recipe_id)

    @tracer.capture_method
    def is_deleted(self, recipe_id: str) -> bool:
        rows = self._db.query(IS_DELETED, recipe_id=recipe_id)
        return bool(rows and rows[0]["deleted"])


@contextmanager
def recipe_write(db: DataApi, recipe_id: str) -> Iterator[Transaction]:
    """A transaction holding the recipe's write lock; its statements must still skip tombstones."""
    with db.transaction() as tx:
        tx.query(LOCK_FOR_WRITE, recipe_id=recipe_id)
        yield tx
