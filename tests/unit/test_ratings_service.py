"""Rating rules with in-memory fakes: stars limits, re-rating, summaries, my ratings, top rated."""

from __future__ import annotations

from decimal import Decimal

import pytest

from resolvers.errors import BadRequest, Forbidden, NotFound, ValidationError
from resolvers.identity import ANONYMOUS, AuthMode, Caller
from resolvers.pagination import PageTokens
from resolvers.ratings import service
from resolvers.ratings.models import (
    STARS_MAX,
    STARS_MIN,
    MyRating,
    RatingSummary,
    RecipeRating,
    TopRatedCursor,
    TopRatedPage,
)
from resolvers.recipes.models import Ingredient, Recipe
from tests.support.fakes import InMemoryProfiles, InMemoryRecipes

ALICE = Caller(mode=AuthMode.COGNITO, user_id="alice", display_name="Alice")
BOB = Caller(mode=AuthMode.COGNITO, user_id="bob")
OPERATOR = Caller(mode=AuthMode.IAM)
TOKENS = PageTokens(b"unit-test-secret-0123456789")


class InMemoryRatings:
    """The RatingRepository contract in memory, tombstones included."""

    def __init__(self) -> None:
        self.stars: dict[tuple[str, str], int] = {}
        self.deleted_recipes: set[str] = set()
        self.calls: list[str] = []

    def rate(self, recipe_id: str, user_id: str, stars: int) -> RecipeRating | None:
        if recipe_id in self.deleted_recipes:
            return None
        self.stars[recipe_id, user_id] = stars
        summary = self._summary(recipe_id)
        assert summary.average is not None
        return RecipeRating(
            recipe_id, user_id, stars, summary.average, summary.count, "2026-11-21T09:30:00.000Z"
        )

    def summaries(self, recipe_ids: list[str]) -> dict[str, RatingSummary]:
        self.calls.append("summaries")
        return {rid: self._summary(rid) for rid in recipe_ids if self._summary(rid).count}

    def rated_by(self, user_id: str, recipe_ids: list[str]) -> dict[str, MyRating]:
        self.calls.append("rated_by")
        return {
            rid: MyRating(rid, self.stars[rid, user_id], "2026-11-21T09:30:00.000Z")
            for rid in recipe_ids
            if (rid, user_id) in self.stars
        }

    def top_rated(self, min_ratings: int, limit: int, after: TopRatedCursor | None) -> TopRatedPage:
        self.calls.append("top_rated")
        ranked = []
        for recipe_id in {rid for rid, _ in self.stars}:
            given = [s for (rid, _), s in self.stars.items() if rid == recipe_id]
            if len(given) >= min_ratings:
                exact = Decimal(sum(given)) / len(given)
                ranked.append((-exact, -len(given), recipe_id))
        ranked.sort()
        if after is not None:
            mark = (-Decimal(after.average_key), -after.count, after.recipe_id)
            ranked = [row for row in ranked if row > mark]
        kept = ranked[:limit]
        last = kept[-1] if len(ranked) > limit else None
        return TopRatedPage(
            recipe_ids=tuple(row[2] for row in kept),
            next=TopRatedCursor(str(-last[0]), -last[1], last[2]) if last else None,
        )

    def _summary(self, recipe_id: str) -> RatingSummary:
        given = [s for (rid, _), s in self.stars.items() if rid == recipe_id]
        return RatingSummary(sum(given) / len(given) if given else None, len(given))


def make_recipe(recipe_id: str) -> Recipe:
    return Recipe(
        id=recipe_id,
        author_id="chef",
        title=f"Recipe {recipe_id}",
        description=None,
        ingredients=(Ingredient("salt"),),
        steps=("Season.",),
        tags=(),
        servings=1,
        prep_minutes=1,
        cook_minutes=1,
        image_url=None,
        created_at="2026-01-01T00:00:00.000Z",
        updated_at="2026-01-01T00:00:00.000Z",
        version=1,
    )


@pytest.fixture
def ratings() -> InMemoryRatings:
    return InMemoryRatings()


@pytest.fixture
def recipes() -> InMemoryRecipes:
    store = InMemoryRecipes()
    for recipe_id in ("soup", "stew", "salad", "bread"):
        store.create(make_recipe(recipe_id))
    return store


@pytest.fixture
def profiles() -> InMemoryProfiles:
    return InMemoryProfiles()


def rate(ratings, recipes, profiles, *, caller=ALICE, recipe_id="soup", stars=4) -> RecipeRating:
    return service.rate_recipe(ratings, recipes, profiles, caller, recipe_id=recipe_id, stars=stars)


# -- rateRecipe ----------------------------------------------------------------------------------


def test_rating_returns_the_new_summary(ratings, recipes, profiles) -> None:
    # GIVEN Bob rated the soup 2 stars
    rate(ratings, recipes, profiles, caller=BOB, stars=2)
    # WHEN Alice rates it 5
    rated = rate(ratings, recipes, profiles, stars=5)
    # THEN her rating comes back with the recipe's summary right after it
    assert (rated.user_id, rated.stars, rated.count, rated.average) == ("alice", 5, 2, 3.5)


def test_rating_again_replaces_the_earlier_stars(ratings, recipes, profiles) -> None:
    # GIVEN Alice rated the soup 2 stars
    rate(ratings, recipes, profiles, stars=2)
    # WHEN she changes her mind
    rated = rate(ratings, recipes, profiles, stars=5)
    # THEN she still has one rating, now 5
    assert (rated.count, rated.average) == (1, 5.0)
    assert ratings.stars == {("soup", "alice"): 5}


@pytest.mark.parametrize("stars", [STARS_MIN, STARS_MAX])
def test_stars_at_the_limits_are_accepted(ratings, recipes, profiles, stars) -> None:
    assert rate(ratings, recipes, profiles, stars=stars).stars == stars


@pytest.mark.parametrize("stars", [0, 6, -1, True, 4.5, "5", None])
def test_stars_outside_1_to_5_are_refused_before_any_write(
    ratings, recipes, profiles, stars
) -> None:
    with pytest.raises(ValidationError, match="stars must be a whole number from 1 to 5"):
        rate(ratings, recipes, profiles, stars=stars)
    assert ratings.stars == {}
    assert profiles.items == {}


def test_rating_creates_the_raters_profile(ratings, recipes, profiles) -> None:
    rate(ratings, recipes, profiles)
    assert profiles.get("alice") is not None


@pytest.mark.parametrize("caller", [ANONYMOUS, OPERATOR], ids=["api-key", "iam"])
def test_only_signed_in_users_rate(ratings, recipes, profiles, caller) -> None:
    with pytest.raises(Forbidden):
        rate(ratings, recipes, profiles, caller=caller)
    assert ratings.stars == {}


def test_rating_a_missing_recipe_is_not_found(ratings, recipes, profiles) -> None:
    with pytest.raises(NotFound, match=r"Recipe gone not found\."):
        rate(ratings, recipes, profiles, recipe_id="gone")
    assert ratings.stars == {}
    assert profiles.items == {}


def test_rating_a_recipe_deleted_after_the_lookup_is_not_found(ratings, recipes, profiles) -> None:
    # GIVEN the soup is tombstoned in Aurora but not yet gone from DynamoDB
    ratings.deleted_recipes.add("soup")
    # WHEN Alice rates it in that window
    # THEN the tombstone refuses the write
    with pytest.raises(NotFound):
        rate(ratings, recipes, profiles)
    assert ratings.stars == {}


# -- Recipe.rating and Viewer.ratings ------------------------------------------------------------


def test_summaries_come_in_batch_order_with_empty_ones(ratings, recipes, profiles) -> None:
    # GIVEN ratings on the soup only
    rate(ratings, recipes, profiles, stars=4)
    rate(ratings, recipes, profiles, caller=BOB, stars=1)
    # WHEN a batch asks about the stew, the soup and a parent without an id
    summaries = service.rating_summaries(ratings, ["stew", "soup", None])
    # THEN the unrated stew has a null average and zero count, and one lookup served all
    assert summaries == [RatingSummary(None, 0), RatingSummary(2.5, 2), None]
    assert summaries[0] is not None
    assert summaries[0].to_graphql() == {"average": None, "count": 0}
    assert ratings.calls == ["summaries"]


def test_my_ratings_are_the_callers_own_from_one_lookup(ratings, recipes, profiles) -> None:
    # GIVEN Alice rated the soup 5 and Bob rated the stew 3
    rate(ratings, recipes, profiles, stars=5)
    rate(ratings, recipes, profiles, caller=BOB, recipe_id="stew", stars=3)
    ratings.calls.clear()
    # WHEN each asks for their ratings of both
    alices = service.my_ratings(ratings, ALICE, ["stew", "soup"])
    bobs = service.my_ratings(ratings, BOB, ["soup", "stew"])
    # THEN each sees only their own stars, one lookup each
    assert [(r.recipe_id, r.stars) for r in alices] == [("soup", 5)]
    assert [(r.recipe_id, r.stars) for r in bobs] == [("stew", 3)]
    assert ratings.calls == ["rated_by", "rated_by"]


@pytest.mark.parametrize("caller", [ANONYMOUS, OPERATOR])
def test_my_ratings_need_a_signed_in_user(ratings, caller) -> None:
    with pytest.raises(Forbidden):
        service.my_ratings(ratings, caller, ["soup"])
    assert ratings.calls == []


@pytest.mark.parametrize(
    ("recipe_ids", "message"),
    [
        ([""], "recipeIds must not be empty"),
        (["x" * 129], "at most 128 characters"),
        (["soup"] * 101, "at most 100 ids"),
    ],
)
def test_my_ratings_refuse_ids_no_store_can_hold(ratings, recipe_ids, message) -> None:
    with pytest.raises(ValidationError, match=message):
        service.my_ratings(ratings, ALICE, recipe_ids)
    assert ratings.calls == []


def test_no_ids_ask_nothing(ratings) -> None:
    assert service.my_ratings(ratings, ALICE, []) == []
    assert ratings.calls == []


# -- topRatedRecipes -----------------------------------------------------------------------------


def seed_rankings(ratings, recipes, profiles) -> None:
    # soup 5.0 (2 ratings), stew 5.0 (1), salad 4.0 (2), bread 2.0 (1)
    rate(ratings, recipes, profiles, caller=ALICE, recipe_id="soup", stars=5)
    rate(ratings, recipes, profiles, caller=BOB, recipe_id="soup", stars=5)
    rate(ratings, recipes, profiles, caller=ALICE, recipe_id="stew", stars=5)
    rate(ratings, recipes, profiles, caller=ALICE, recipe_id="salad", stars=3)
    rate(ratings, recipes, profiles, caller=BOB, recipe_id="salad", stars=5)
    rate(ratings, recipes, profiles, caller=BOB, recipe_id="bread", stars=2)


def top(ratings, recipes, limit=None, min_ratings=None, next_token=None):
    return service.top_rated_recipes(
        ratings, recipes, TOKENS, limit=limit, min_ratings=min_ratings, next_token=next_token
    )


def test_top_rated_pages_best_average_first(ratings, recipes, profiles) -> None:
    # GIVEN four rated recipes
    seed_rankings(ratings, recipes, profiles)
    # WHEN listed two at a time
    first = top(ratings, recipes, limit=2)
    second = top(ratings, recipes, limit=2, next_token=first.next_token)
    # THEN best average first, more ratings first on a tie, with full recipes as items
    assert [r.id for r in first.items + second.items] == ["soup", "stew", "salad", "bread"]
    assert first.items[0] == make_recipe("soup")
    assert second.next_token is None


def test_min_ratings_filters_thinly_rated_recipes(ratings, recipes, profiles) -> None:
    seed_rankings(ratings, recipes, profiles)
    assert [r.id for r in top(ratings, recipes, min_ratings=2).items] == ["soup", "salad"]


@pytest.mark.parametrize("min_ratings", [0, -3, True])
def test_min_ratings_must_be_at_least_1(ratings, recipes, min_ratings) -> None:
    with pytest.raises(ValidationError, match="minRatings must be at least 1"):
        top(ratings, recipes, min_ratings=min_ratings)
    assert ratings.calls == []


def test_deleted_recipes_are_skipped(ratings, recipes, profiles) -> None:
    # GIVEN the best-rated recipe is gone from DynamoDB
    seed_rankings(ratings, recipes, profiles)
    del recipes.items["soup"]
    # THEN the listing skips it instead of failing or returning a hole
    assert [r.id for r in top(ratings, recipes).items] == ["stew", "salad", "bread"]


def test_a_token_only_continues_the_same_min_ratings(ratings, recipes, profiles) -> None:
    seed_rankings(ratings, recipes, profiles)
    token = top(ratings, recipes, limit=1).next_token
    with pytest.raises(BadRequest):
        top(ratings, recipes, limit=1, min_ratings=2, next_token=token)


@pytest.mark.parametrize(
    "position",
    [{"offset": 1}, {"avg": "NaN", "n": 1, "id": "x"}, {"avg": "five", "n": 1, "id": "x"}],
)
def test_signed_tokens_of_the_wrong_shape_are_bad_requests(ratings, recipes, position) -> None:
    token = TOKENS.encode("Query.topRatedRecipes\n1", position)
    with pytest.raises(BadRequest):
        top(ratings, recipes, next_token=token)


def test_nothing_rated_is_an_empty_last_page(ratings, recipes) -> None:
    listed = top(ratings, recipes)
    assert (listed.items, listed.next_token) == ((), None)
