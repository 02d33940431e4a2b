"""The DynamoDB recipe and profile repositories against moto's DynamoDB server."""

from __future__ import annotations

import threading
import uuid
from dataclasses import replace

import pytest

from resolvers.errors import ConflictError, NotFound
from resolvers.profiles.models import Profile
from resolvers.profiles.repository import DynamoProfileRepository
from resolvers.recipes.models import Ingredient, Recipe
from resolvers.recipes.repository import DynamoRecipeRepository
from tests.support.stack import AppStack


def make_recipe(author: str, created_at: str, tags: tuple[str, ...] = ("soup",)) -> Recipe:
    return Recipe(
        id=str(uuid.uuid4()),
        author_id=author,
        title="Miso soup",
        description=None,
        ingredients=(Ingredient("miso", 2.0, "tbsp"), Ingredient("tofu")),
        steps=("Heat dashi.", "Whisk in miso."),
        tags=tags,
        servings=2,
        prep_minutes=5,
        cook_minutes=10,
        image_url=None,
        created_at=created_at,
        updated_at=created_at,
        version=1,
    )


@pytest.fixture
def recipes(app_stack: AppStack) -> DynamoRecipeRepository:
    return app_stack.container.recipes


@pytest.fixture
def profiles(app_stack: AppStack) -> DynamoProfileRepository:
    return app_stack.container.profiles


def test_round_trip_keeps_every_field(recipes: DynamoRecipeRepository) -> None:
    recipe = make_recipe("a1", "2026-01-01T00:00:00.000Z")
    recipes.create(recipe)
    assert recipes.get(recipe.id) == recipe


def test_author_listing_is_newest_first_and_pages(recipes: DynamoRecipeRepository) -> None:
    # GIVEN three recipes by one author created a minute apart
    author = str(uuid.uuid4())
    made = [make_recipe(author, f"2026-01-01T00:0{n}:00.000Z") for n in range(3)]
    for recipe in made:
        recipes.create(recipe)
    # WHEN listed two at a time
    first = recipes.by_author(author, 2, None)
    second = recipes.by_author(author, 2, first.next_key)
    # THEN newest comes first and the pages join up
    assert [r.id for r in first.recipes + second.recipes] == [r.id for r in reversed(made)]
    assert second.next_key is None or recipes.by_author(author, 2, second.next_key).recipes == []


def test_tag_listing_hydrates_full_recipes(recipes: DynamoRecipeRepository) -> None:
    tag = f"tag-{uuid.uuid4().hex[:6]}"
    recipe = make_recipe("a2", "2026-02-01T00:00:00.000Z", tags=(tag, "other"))
    recipes.create(recipe)
    assert recipes.by_tag(tag, 10, None).recipes == [recipe]


def test_replace_with_stale_version_is_conflict(recipes: DynamoRecipeRepository) -> None:
    # GIVEN a stored recipe already moved on to version 2
    recipe = make_recipe("a3", "2026-03-01T00:00:00.000Z")
    recipes.create(recipe)
    v2 = replace(recipe, title="v2", version=2)
    recipes.replace(v2, recipe)
    # WHEN someone writes based on version 1 again
    # THEN the write is refused with ConflictError and version 2 stays
    with pytest.raises(ConflictError):
        recipes.replace(replace(recipe, title="lost", version=2), recipe)
    assert recipes.get(recipe.id) == v2


def test_replace_of_deleted_recipe_is_not_found(recipes: DynamoRecipeRepository) -> None:
    recipe = make_recipe("a4", "2026-03-02T00:00:00.000Z")
    recipes.create(recipe)
    recipes.delete(recipe)
    with pytest.raises(NotFound):
        recipes.replace(replace(recipe, version=2), recipe)
    assert recipes.by_tag("soup", 100, None).recipes.count(recipe) == 0


def test_concurrent_updates_from_one_version_let_exactly_one_win(
    recipes: DynamoRecipeRepository,
) -> None:
    # GIVEN a recipe at version 1 and 10 writers who all read version 1
    recipe = make_recipe("a5", "2026-04-01T00:00:00.000Z")
    recipes.create(recipe)
    outcomes: list[str] = []
    lock = threading.Lock()

    def write(n: int) -> None:
        try:
            recipes.replace(replace(recipe, title=f"writer {n}", version=2), recipe)
            result = "won"
        except ConflictError:
            result = "conflict"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN exactly one write lands; nobody's update is silently lost
    assert sorted(outcomes) == ["conflict"] * 9 + ["won"]
    stored = recipes.get(recipe.id)
    assert stored is not None
    assert stored.version == 2


def test_get_many_returns_found_ones_and_skips_missing(recipes: DynamoRecipeRepository) -> None:
    made = [make_recipe("a6", f"2026-05-01T00:00:0{n}.000Z") for n in range(3)]
    for recipe in made:
        recipes.create(recipe)
    found = recipes.get_many([made[0].id, "missing", made[2].id, made[0].id])
    assert found == {made[0].id: made[0], made[2].id: made[2]}


def test_profile_create_if_missing_never_overwrites(profiles: DynamoProfileRepository) -> None:
    user = str(uuid.uuid4())
    first = Profile(
        user, "First", None, None, None, "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"
    )
    profiles.create_if_missing(first)
    profiles.create_if_missing(replace(first, display_name="Second"))
    assert profiles.get(user) == first


def test_profile_batch_get_over_100_ids(profiles: DynamoProfileRepository) -> None:
    ids = [str(uuid.uuid4()) for _ in range(130)]
    for user in ids:
        profiles.create_if_missing(Profile(user, "P", None, None, None, "t", "t"))
    assert set(profiles.get_many(ids)) == set(ids)
