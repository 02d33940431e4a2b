"""Rating rules: one rating per user per recipe, summaries per batch, and the top-rated list."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from resolvers.errors import BadRequest, NotFound
from resolvers.ids import parse_ids
from resolvers.pagination import page_limit
from resolvers.profiles.service import ensure_profile
from resolvers.ratings.models import (
    NO_RATINGS,
    MyRating,
    RatingSummary,
    RecipeRating,
    TopRatedCursor,
    parse_min_ratings,
    parse_stars,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from resolvers.identity import Caller
    from resolvers.pagination import PageTokens
    from resolvers.profiles.repository import ProfileRepository
    from resolvers.ratings.repository import RatingRepository
    from resolvers.recipes.models import Recipe
    from resolvers.recipes.repository import RecipeLookup


@dataclass(frozen=True)
class RecipeList:
    items: tuple[Recipe, ...]
    next_token: str | None


def rate_recipe(
    ratings: RatingRepository,
    recipes: RecipeLookup,
    profiles: ProfileRepository,
    caller: Caller,
    *,
    recipe_id: str,
    stars: Any,
) -> RecipeRating:
    """Rate a recipe; rating it again replaces the caller's earlier stars."""
    user_id = caller.require_user()
    valid_stars = parse_stars(stars)
    if recipes.get(recipe_id) is None:
        raise _recipe_not_found(recipe_id)
    ensure_profile(profiles, caller)
    rated = ratings.rate(recipe_id, user_id, valid_stars)
    if rated is None:  # deleted after we looked it up: the tombstone refused the write
        raise _recipe_not_found(recipe_id)
    return rated


def rating_summaries(
    ratings: RatingRepository, recipe_ids: Sequence[str | None]
) -> list[RatingSummary | None]:
    """Each recipe's summary, in order, from one query for the whole batch."""
    found = ratings.summaries([recipe_id for recipe_id in recipe_ids if recipe_id])
    return [found.get(recipe_id, NO_RATINGS) if recipe_id else None for recipe_id in recipe_ids]


def my_ratings(ratings: RatingRepository, caller: Caller, recipe_ids: Any) -> list[MyRating]:
    """The caller's own ratings of those of `recipe_ids` they rated, in the order asked.

    The user comes from the caller's identity alone, so nobody can read another user's stars.
    """
    user_id = caller.require_user()
    wanted = parse_ids(recipe_ids, "recipeIds")
    found = ratings.rated_by(user_id, wanted) if wanted else {}
    return [found[recipe_id] for recipe_id in dict.fromkeys(wanted) if recipe_id in found]


def top_rated_recipes(
    ratings: RatingRepository,
    recipes: RecipeLookup,
    tokens: PageTokens,
    *,
    limit: int | None,
    min_ratings: Any,
    next_token: str | None,
) -> RecipeList:
    size = page_limit(limit)
    minimum = parse_min_ratings(min_ratings)
    scope = _top_rated_scope(minimum)
    after = _cursor(tokens.decode(scope, next_token)) if next_token else None
    page = ratings.top_rated(minimum, size, after)
    # One batched read for the page; a recipe deleted since (or whose purge is under way) is
    # skipped rather than shown as a hole, so a page may come back shorter than `limit`.
    found = recipes.get_many(list(page.recipe_ids)) if page.recipe_ids else {}
    items = tuple(found[recipe_id] for recipe_id in page.recipe_ids if recipe_id in found)
    token = (
        tokens.encode(
            scope,
            {"avg": page.next.average_key, "n": page.next.count, "id": page.next.recipe_id},
        )
        if page.next
        else None
    )
    return RecipeList(items=items, next_token=token)


def _top_rated_scope(min_ratings: int) -> str:
    # A token only continues the listing it came from: the same minRatings.
    return f"Query.topRatedRecipes\n{min_ratings}"


def _cursor(position: dict[str, Any]) -> TopRatedCursor:
    average, count, recipe_id = position.get("avg"), position.get("n"), position.get("id")
    # Signed, so only our own tokens get here; this guards against tokens of an older format.
    if not (isinstance(average, str) and isinstance(count, int) and isinstance(recipe_id, str)):
        raise _bad_token()
    try:
        valid = Decimal(average).is_finite()
    except InvalidOperation:
        valid = False
    if not valid:
        raise _bad_token()
    return TopRatedCursor(average_key=average, count=count, recipe_id=recipe_id)


def _bad_token() -> BadRequest:
    return BadRequest("nextToken is invalid or was issued for a different query.")


def _recipe_not_found(recipe_id: str) -> NotFound:
    return NotFound(f"Recipe {recipe_id} not found.")
