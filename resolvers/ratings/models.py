"""Ratings, their summaries, the top-rated cursor, and the validation of rating input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resolvers.errors import ValidationError

STARS_MIN = 1
STARS_MAX = 5
MIN_RATINGS_DEFAULT = 1


@dataclass(frozen=True)
class RatingSummary:
    average: float | None
    count: int

    def to_graphql(self) -> dict[str, Any]:
        return {"average": self.average, "count": self.count}


NO_RATINGS = RatingSummary(average=None, count=0)


@dataclass(frozen=True)
class RecipeRating:
    """One user's rating, with the recipe's summary right after it was given."""

    recipe_id: str
    user_id: str
    stars: int
    average: float
    count: int
    rated_at: str

    def to_graphql(self) -> dict[str, Any]:
        # Published to every onRatingChanged subscriber, so the rater and their stars stay out.
        return {
            "recipeId": self.recipe_id,
            "average": self.average,
            "count": self.count,
            "ratedAt": self.rated_at,
        }


@dataclass(frozen=True)
class MyRating:
    """The stars a caller gave one recipe; only that caller ever reads it."""

    recipe_id: str
    stars: int
    rated_at: str

    def to_graphql(self) -> dict[str, Any]:
        return {"recipeId": self.recipe_id, "stars": self.stars, "ratedAt": self.rated_at}


@dataclass(frozen=True)
class TopRatedCursor:
    """The last recipe of a page, in ranking order.

    `average_key` is the exact average as PostgreSQL prints it; a float could round two
    different averages together and skip or repeat recipes across pages.
    """

    average_key: str
    count: int
    recipe_id: str


@dataclass(frozen=True)
class TopRatedPage:
    recipe_ids: tuple[str, ...]
    next: TopRatedCursor | None


def parse_stars(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not STARS_MIN <= value <= STARS_MAX:
        raise ValidationError(f"stars must be a whole number from {STARS_MIN} to {STARS_MAX}.")
    return value


def parse_min_ratings(value: Any) -> int:
    if value is None:
        return MIN_RATINGS_DEFAULT
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValidationError("minRatings must be at least 1.")
    return value
