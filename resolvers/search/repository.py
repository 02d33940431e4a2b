"""The search index in Aurora: version-guarded upserts and tombstones, and ranked lookups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from resolvers.observability import tracer

if TYPE_CHECKING:
    from collections.abc import Sequence

    from resolvers.search.documents import SearchDocument
    from resolvers.store.data_api import DataApi

# The title weighs most, then tags and ingredients, then the description.
_DOCUMENT = """
    setweight(to_tsvector('potluck_search', d.title), 'A')
    || setweight(to_tsvector('potluck_search', d.tags), 'B')
    || setweight(to_tsvector('potluck_search', d.ingredients), 'B')
    || setweight(to_tsvector('potluck_search', d.description), 'C')"""

# Documents arrive as one JSON array, so a backfill writes a hundred recipes per statement.
# The WHERE on the conflict branch is the version guard: an older or equal version changes nothing.
_UPSERT = f"""
INSERT INTO recipe_search AS s (recipe_id, version, deleted, document, indexed_at)
SELECT d.id, d.version, false, {_DOCUMENT}, now()
FROM jsonb_to_recordset(CAST(:documents AS jsonb)) AS d(
    id text, version integer, title text, tags text, ingredients text, description text)
ON CONFLICT (recipe_id) DO UPDATE
SET version = EXCLUDED.version, deleted = false, document = EXCLUDED.document, indexed_at = now()
WHERE s.version < EXCLUDED.version"""  # noqa: S608 - a constant fragment, no input

# A delete at version v wins over an upsert at v: the recipe was deleted after that write.
_REMOVE = """
INSERT INTO recipe_search AS s (recipe_id, version, deleted, document, indexed_at)
VALUES (:id, :version, true, ''::tsvector, now())
ON CONFLICT (recipe_id) DO UPDATE
SET version = EXCLUDED.version, deleted = true, document = ''::tsvector, indexed_at = now()
WHERE s.version <= EXCLUDED.version AND NOT s.deleted"""

_SEARCH = """
SELECT recipe_id
FROM recipe_search, to_tsquery('potluck_search', :query) AS q
WHERE document @@ q AND NOT deleted
ORDER BY ts_rank(document, q) DESC, recipe_id
LIMIT :limit OFFSET :offset"""


class SearchIndex(Protocol):
    def upsert(self, document: SearchDocument) -> bool: ...

    def upsert_many(self, documents: Sequence[SearchDocument]) -> int: ...

    def remove(self, recipe_id: str, version: int) -> bool: ...

    def search(self, query: str, limit: int, offset: int) -> list[str]: ...


class AuroraSearchIndex:
    def __init__(self, db: DataApi) -> None:
        self._db = db

    @tracer.capture_method
    def upsert(self, document: SearchDocument) -> bool:
        """Index this version; False when the index already holds it or a newer one."""
        return self.upsert_many([document]) > 0

    @tracer.capture_method
    def upsert_many(self, documents: Sequence[SearchDocument]) -> int:
        """Index these (distinct) recipes in one statement; return how many rows changed."""
        if not documents:
            return 0
        rows = [
            {
                "id": d.recipe_id,
                "version": d.version,
                "title": d.title,
                "tags": d.tags,
                "ingredients": d.ingredients,
                "description": d.description,
            }
            for d in documents
        ]
        return self._db.execute(_UPSERT, documents=rows)

    @tracer.capture_method
    def remove(self, recipe_id: str, version: int) -> bool:
        """Drop the recipe from results, remembering the version it was deleted at."""
        return self._db.execute(_REMOVE, id=recipe_id, version=version) > 0

    @tracer.capture_method
    def search(self, query: str, limit: int, offset: int) -> list[str]:
        """Recipe ids matching a `to_tsquery` text, best first."""
        rows = self._db.query(_SEARCH, query=query, limit=limit, offset=offset)
        return [str(row["recipe_id"]) for row in rows]
