"""Rating storage: the Protocol services use, and its Aurora implementation over the Data API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from resolvers.clock import aws_datetime
from resolvers.observability import tracer
from resolvers.ratings.models import (
    MyRating,
    RatingSummary,
    RecipeRating,
    TopRatedCursor,
    TopRatedPage,
)
from resolvers.store.recipe_activity import recipe_write

if TYPE_CHECKING:
    from collections.abc import Sequence

    from resolvers.store.data_api import DataApi

# The upsert and the summary it returns in one statement, under the recipe's write lock (see
# recipe_activity). The statement cannot read its own upserted row, so the summary is the other
# users' ratings plus this one. A deleted recipe takes no rating.
RATE = """
WITH rated AS (
    INSERT INTO ratings (recipe_id, user_id, stars)
    SELECT :recipe_id, :user_id, :stars
    WHERE NOT EXISTS (SELECT 1 FROM recipe_tombstones WHERE recipe_id = :recipe_id)
    ON CONFLICT (recipe_id, user_id)
    DO UPDATE SET stars = EXCLUDED.stars, updated_at = now()
    RETURNING recipe_id, user_id, stars, updated_at
), others AS (
    SELECT count(*) AS rating_count, coalesce(sum(stars), 0) AS total
    FROM ratings
    WHERE recipe_id = :recipe_id AND user_id <> :user_id
)
SELECT rated.recipe_id, rated.user_id, CAST(rated.stars AS integer) AS stars,
    CAST(others.rating_count + 1 AS integer) AS count,
    CAST(others.total + rated.stars AS double precision) / (others.rating_count + 1) AS average,
    CAST(extract(epoch FROM rated.updated_at) * 1000000 AS bigint) AS rated_us
FROM rated CROSS JOIN others"""

# Averages are computed the same way everywhere (sum / count in double precision), so a recipe's
# summary and the rateRecipe response agree to the last digit.
SUMMARIES = """
SELECT recipe_id, CAST(count(*) AS integer) AS count,
    CAST(sum(stars) AS double precision) / count(*) AS average
FROM ratings
WHERE recipe_id = ANY(ARRAY(
    SELECT jsonb_array_elements_text(CAST(:recipe_ids AS jsonb))))
GROUP BY recipe_id"""

# One user's ratings of the wanted recipes: the user id comes from the caller's identity only.
RATED_BY = """
SELECT recipe_id, CAST(stars AS integer) AS stars,
    CAST(extract(epoch FROM updated_at) * 1000000 AS bigint) AS rated_us
FROM ratings
WHERE user_id = :user_id AND recipe_id = ANY(ARRAY(
    SELECT jsonb_array_elements_text(CAST(:recipe_ids AS jsonb))))"""

# Ranked by the exact (numeric) average, then by how many ratings back it, then by id. The page
# cursor compares against the same exact average, so no recipe is skipped or repeated.
_RANKED = """
WITH ranked AS (
    SELECT recipe_id, avg(stars) AS exact_average, count(*) AS rating_count
    FROM ratings
    GROUP BY recipe_id
    HAVING count(*) >= :min_ratings
)
SELECT recipe_id, CAST(exact_average AS text) AS average_key, CAST(rating_count AS integer) AS count
FROM ranked"""
_ORDER = """
ORDER BY exact_average DESC, rating_count DESC, recipe_id
LIMIT :limit"""

TOP_FIRST = _RANKED + _ORDER
TOP_NEXT = (
    _RANKED
    + """
WHERE exact_average < CAST(:after_average AS numeric)
   OR (exact_average = CAST(:after_average AS numeric)
       AND (rating_count < :after_count
            OR (rating_count = :after_count AND recipe_id > :after_id)))"""
    + _ORDER
)


class RatingRepository(Protocol):
    def rate(self, recipe_id: str, user_id: str, stars: int) -> RecipeRating | None:
        """Insert or replace the user's rating; None if the recipe has been deleted."""
        ...

    def summaries(self, recipe_ids: Sequence[str]) -> dict[str, RatingSummary]:
        """Rated recipes' summaries, in one round trip; unrated recipes are left out."""
        ...

    def rated_by(self, user_id: str, recipe_ids: Sequence[str]) -> dict[str, MyRating]:
        """The user's ratings of those recipes they rated, by recipe id, in one round trip."""
        ...

    def top_rated(
        self, min_ratings: int, limit: int, after: TopRatedCursor | None
    ) -> TopRatedPage: ...


class AuroraRatingRepository:
    def __init__(self, db: DataApi) -> None:
        self._db = db

    @tracer.capture_method
    def rate(self, recipe_id: str, user_id: str, stars: int) -> RecipeRating | None:
        with recipe_write(self._db, recipe_id) as tx:
            rows = tx.query(RATE, recipe_id=recipe_id, user_id=user_id, stars=stars)
        if not rows:
            return None
        row = rows[0]
        return RecipeRating(
            recipe_id=row["recipe_id"],
            user_id=row["user_id"],
            stars=row["stars"],
            average=float(row["average"]),
            count=row["count"],
            rated_at=_timestamp(row["rated_us"]),
        )

    @tracer.capture_method
    def summaries(self, recipe_ids: Sequence[str]) -> dict[str, RatingSummary]:
        unique = list(dict.fromkeys(recipe_ids))
        if not unique:
            return {}
        rows = self._db.query(SUMMARIES, recipe_ids=unique)
        return {
            row["recipe_id"]: RatingSummary(average=float(row["average"]), count=row["count"])
            for row in rows
        }

    @tracer.capture_method
    def rated_by(self, user_id: str, recipe_ids: Sequence[str]) -> dict[str, MyRating]:
        unique = list(dict.fromkeys(recipe_ids))
        if not unique:
            return {}
        rows = self._db.query(RATED_BY, user_id=user_id, recipe_ids=unique)
        return {
            row["recipe_id"]: MyRating(row["recipe_id"], row["stars"], _timestamp(row["rated_us"]))
            for row in rows
        }

    @tracer.capture_method
    def top_rated(self, min_ratings: int, limit: int, after: TopRatedCursor | None) -> TopRatedPage:
        # One extra row tells whether another page follows without a second query.
        if after is None:
            rows = self._db.query(TOP_FIRST, min_ratings=min_ratings, limit=limit + 1)
        else:
            rows = self._db.query(
                TOP_NEXT,
                min_ratings=min_ratings,
                after_average=after.average_key,
                after_count=after.count,
                after_id=after.recipe_id,
                limit=limit + 1,
            )
        kept = rows[:limit]
        last = kept[-1] if len(rows) > limit else None
        return TopRatedPage(
            recipe_ids=tuple(row["recipe_id"] for row in kept),
            next=TopRatedCursor(last["average_key"], last["count"], last["recipe_id"])
            if last
            else None,
        )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _timestamp(micros: int) -> str:
    return aws_datetime(_EPOCH + timedelta(microseconds=micros))
