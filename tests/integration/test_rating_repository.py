"""The Aurora rating repository against real PostgreSQL behind the local Data API endpoint."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from resolvers.ratings import service
from resolvers.ratings.models import RatingSummary
from resolvers.ratings.repository import AuroraRatingRepository
from resolvers.store.recipe_activity import AuroraRecipeActivity
from tests.integration.conftest import new_recipe_id

AWS_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def repo(data_api) -> AuroraRatingRepository:
    return AuroraRatingRepository(data_api)


# -- rateRecipe ----------------------------------------------------------------------------------


def test_rate_returns_the_rating_and_the_summary_after_it(repo) -> None:
    # GIVEN Bob gave a recipe 2 stars
    recipe_id = new_recipe_id()
    repo.rate(recipe_id, "bob", 2)
    # WHEN Alice gives it 5
    rated = repo.rate(recipe_id, "alice", 5)
    # THEN the response holds her stars and the summary including them
    assert rated is not None
    assert (rated.recipe_id, rated.user_id, rated.stars) == (recipe_id, "alice", 5)
    assert (rated.count, rated.average) == (2, 3.5)
    assert AWS_DATETIME.match(rated.rated_at)


def test_rating_again_replaces_and_the_summary_follows(repo) -> None:
    # GIVEN Alice rated a recipe 1 star
    recipe_id = new_recipe_id()
    repo.rate(recipe_id, "alice", 1)
    # WHEN she rates it again
    rated = repo.rate(recipe_id, "alice", 4)
    # THEN there is still one rating, with the new stars everywhere
    assert rated is not None
    assert (rated.count, rated.average, rated.stars) == (1, 4.0, 4)
    assert repo.summaries([recipe_id]) == {recipe_id: RatingSummary(4.0, 1)}
    assert repo.rated_by("alice", [recipe_id])[recipe_id].stars == 4


def test_the_database_refuses_stars_outside_1_to_5(repo) -> None:
    # GIVEN the service's validation is bypassed; the CHECK constraint is the last defence
    recipe_id = new_recipe_id()
    # WHEN 6 stars reach the database
    with pytest.raises(ClientError):
        repo.rate(recipe_id, "alice", 6)
    # THEN nothing was stored
    assert repo.summaries([recipe_id]) == {}


def test_concurrent_raters_leave_one_rating_each(repo) -> None:
    # GIVEN one recipe and five users, each of whom always gives the same stars
    recipe_id = new_recipe_id()
    users = [(f"user-{n}", n + 1) for n in range(5)]
    # WHEN 20 threads rate it at once, each user four times
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda k: repo.rate(recipe_id, *users[k % 5]), range(20)))
    # THEN every call succeeded and exactly five ratings remain, averaging (1+2+3+4+5)/5
    assert all(result is not None for result in results)
    assert repo.summaries([recipe_id]) == {recipe_id: RatingSummary(3.0, 5)}
    assert {user: repo.rated_by(user, [recipe_id])[recipe_id].stars for user, _ in users} == dict(
        users
    )


def test_hostile_ids_are_stored_verbatim(repo, data_api) -> None:
    # GIVEN ids crafted to break out of SQL
    recipe_id = f"'); DROP TABLE ratings; -- {uuid.uuid4()}"
    user_id = "x' OR '1'='1"
    # WHEN used to rate
    rated = repo.rate(recipe_id, user_id, 3)
    # THEN they are plain values, and only that one rating matches them
    assert rated is not None
    assert (rated.recipe_id, rated.user_id) == (recipe_id, user_id)
    assert [r.stars for r in repo.rated_by(user_id, [recipe_id]).values()] == [3]
    assert repo.rated_by("someone", [recipe_id]) == {}
    assert data_api.query("SELECT count(*) AS n FROM ratings")[0]["n"] >= 1


# -- Recipe.rating and Viewer.ratings ------------------------------------------------------------


def test_summaries_in_batch_order_with_unrated_recipes(repo) -> None:
    # GIVEN one recipe rated 4 and 5, one rated 1, one unrated
    liked, disliked, unrated = new_recipe_id(), new_recipe_id(), new_recipe_id()
    repo.rate(liked, "alice", 4)
    repo.rate(liked, "bob", 5)
    repo.rate(disliked, "alice", 1)
    # WHEN a batch asks for them, with a repeat
    summaries = service.rating_summaries(repo, [unrated, liked, disliked, liked])
    # THEN each position has its summary; the unrated one a null average and zero count
    assert summaries == [
        RatingSummary(None, 0),
        RatingSummary(4.5, 2),
        RatingSummary(1.0, 1),
        RatingSummary(4.5, 2),
    ]


def test_summary_and_rate_response_agree_on_awkward_averages(repo) -> None:
    recipe_id = new_recipe_id()
    repo.rate(recipe_id, "a", 5)
    repo.rate(recipe_id, "b", 4)
    rated = repo.rate(recipe_id, "c", 4)
    assert rated is not None
    assert repo.summaries([recipe_id])[recipe_id].average == rated.average == 13 / 3


def test_my_ratings_only_read_the_callers_own_stars(repo) -> None:
    from resolvers.identity import AuthMode, Caller

    # GIVEN Alice rated the first recipe, Bob both
    first, second = new_recipe_id(), new_recipe_id()
    repo.rate(first, "alice", 5)
    repo.rate(first, "bob", 1)
    repo.rate(second, "bob", 2)
    alice = Caller(mode=AuthMode.COGNITO, user_id="alice")
    # WHEN Alice asks for her ratings of both, in reverse order and with a repeat
    found = service.my_ratings(repo, alice, [second, first, second])
    # THEN only her own rating comes back, with when she gave it
    assert [(r.recipe_id, r.stars) for r in found] == [(first, 5)]
    assert AWS_DATETIME.match(found[0].rated_at)


@pytest.mark.parametrize("size", [1, 10, 100])
def test_one_statement_per_batch_whatever_its_size(repo, statements, size) -> None:
    from resolvers.identity import AuthMode, Caller

    # GIVEN `size` recipes, the last one rated by the caller
    recipe_ids = [new_recipe_id() for _ in range(size)]
    repo.rate(recipe_ids[-1], "alice", 5)
    alice = Caller(mode=AuthMode.COGNITO, user_id="alice")
    statements.clear()
    # WHEN Recipe.rating is resolved for the batch and the caller's ratings are read for them all
    summaries = service.rating_summaries(repo, recipe_ids)
    mine = service.my_ratings(repo, alice, recipe_ids)
    # THEN each cost exactly one SQL statement
    assert len(statements) == 2
    assert summaries[-1] == RatingSummary(5.0, 1)
    assert [(r.recipe_id, r.stars) for r in mine] == [(recipe_ids[-1], 5)]


# -- topRatedRecipes -----------------------------------------------------------------------------


def ranked_ids(repo, min_ratings: int, limit: int) -> list[str]:
    """Every recipe id the listing yields, following the cursor to the end."""
    page = repo.top_rated(min_ratings, limit, None)
    ids = list(page.recipe_ids)
    while page.next is not None:
        page = repo.top_rated(min_ratings, limit, page.next)
        ids += page.recipe_ids
    return ids


def test_top_rated_orders_by_average_then_count_then_id(repo) -> None:
    # GIVEN recipes whose order is decided by each rule in turn
    best, lone_best, thirds, tie_a, tie_b, worst = (f"top-{n}-{uuid.uuid4()}" for n in range(6))
    for user, stars in (("a", 5), ("b", 5)):
        repo.rate(best, user, stars)  # 5.0 from 2
    repo.rate(lone_best, "a", 5)  # 5.0 from 1
    for user, stars in (("a", 5), ("b", 4), ("c", 4)):
        repo.rate(thirds, user, stars)  # 4.333... from 3
    for recipe_id in (tie_b, tie_a):
        repo.rate(recipe_id, "a", 4)  # 4.0 from 1, tied: by id
    repo.rate(worst, "a", 1)
    mine = {best, lone_best, thirds, tie_a, tie_b, worst}
    # WHEN the whole listing is read in small pages (other tests' recipes are in it too)
    listed = ranked_ids(repo, 1, 4)
    # THEN nothing repeats, and ours come in ranking order
    assert len(listed) == len(set(listed))
    assert [rid for rid in listed if rid in mine] == [
        best,
        lone_best,
        thirds,
        *sorted((tie_a, tie_b)),
        worst,
    ]


def test_min_ratings_keeps_only_well_rated_recipes(repo) -> None:
    # GIVEN one recipe with three ratings and one with a single rating
    popular, niche = new_recipe_id(), new_recipe_id()
    for user in ("a", "b", "c"):
        repo.rate(popular, user, 3)
    repo.rate(niche, "a", 5)
    # WHEN listed with minRatings 3
    listed = ranked_ids(repo, 3, 100)
    # THEN only the recipe with enough ratings appears
    assert popular in listed
    assert niche not in listed


def test_top_rated_is_one_statement_per_page(repo, statements) -> None:
    repo.rate(new_recipe_id(), "a", 5)
    statements.clear()
    repo.top_rated(1, 10, None)
    assert len(statements) == 1


# -- tombstones ----------------------------------------------------------------------------------


def test_no_rating_lands_on_a_deleted_recipe(repo, data_api) -> None:
    # GIVEN a purged recipe
    recipe_id = new_recipe_id()
    AuroraRecipeActivity(data_api).purge(recipe_id)
    # WHEN someone rates it
    # THEN the tombstone refuses the write
    assert repo.rate(recipe_id, "alice", 5) is None
    assert repo.summaries([recipe_id]) == {}
