"""`scripts/dev` keeps DynamoDB and Aurora data across restarts and crashes; `--reset` reseeds."""

from __future__ import annotations

import json
import signal
import time

import pytest

from localdev.seed import load_plan
from tests.support.devserver_fixtures import dev_stack, new_root, remove_root

CREATE = """mutation ($input: CreateRecipeInput!) { createRecipe(input: $input) { id } }"""
COMMENT = """mutation ($id: ID!) {
  addComment(recipeId: $id, body: "Still here after a restart?") { id }
  rateRecipe(recipeId: $id, stars: 5) { count }
}"""
READ = """query ($id: ID!) {
  recipe(id: $id) { title author { displayName } rating { count } comments { items { body } } }
}"""
COUNT = "{ recipes(limit: 100) { items { id title } } }"


def recipe_input(title: str) -> dict[str, object]:
    return {
        "title": title,
        "ingredients": [{"name": "patience", "quantity": 1, "unit": "cup"}],
        "steps": ["Wait."],
        "servings": 1,
        "prepMinutes": 1,
        "cookMinutes": 0,
    }


def write_recipe(dev, title: str) -> str:
    """A recipe (DynamoDB) with a comment and a rating (Aurora), written as the user ben."""
    recipe_id = dev.data(CREATE, {"input": recipe_input(title)}, as_user="ben")["createRecipe"][
        "id"
    ]
    dev.data(COMMENT, {"id": recipe_id}, as_user="ben")
    return str(recipe_id)


def assert_recipe_is_back(dev, recipe_id: str, title: str, author: str = "Ben Okafor") -> None:
    recipe = dev.data(READ, {"id": recipe_id})["recipe"]
    assert recipe["title"] == title
    assert recipe["author"] == {"displayName": author}
    assert recipe["rating"] == {"count": 1}
    assert [c["body"] for c in recipe["comments"]["items"]] == ["Still here after a restart?"]


@pytest.fixture
def root():
    path = new_root()
    yield path
    remove_root(path)


# Three full starts, two of them seeding (and indexing and mailing the seed): on a shared 2-core
# machine that alone took 95 s on main, close to the suite's 120 s default.
@pytest.mark.timeout(300)
def test_data_survives_ctrl_c_and_restart_and_reset_reseeds(root) -> None:
    plan = load_plan()
    # GIVEN a fresh, seeded stack where ben adds a recipe, a comment and a rating
    with dev_stack(root) as dev:
        recipe_id = write_recipe(dev, "Restart Stew")
        # WHEN Ctrl-C stops it right away (before any periodic snapshot could run)
        assert dev.interrupt() == 0
    assert json.loads((root / "seed.json").read_text())["status"] == "done"
    # THEN a restart serves the recipe from DynamoDB and its comment and rating from Aurora
    with dev_stack(root) as dev:
        assert_recipe_is_back(dev, recipe_id, "Restart Stew")
        # AND the seed did not run again
        assert len(dev.data(COUNT)["recipes"]["items"]) == len(plan.recipes) + 1
    # AND --reset wipes the data and seeds afresh
    with dev_stack(root, "--reset") as dev:
        assert dev.data(READ, {"id": recipe_id})["recipe"] is None
        titles = {item["title"] for item in dev.data(COUNT)["recipes"]["items"]}
        assert titles == {recipe["title"] for recipe in plan.recipes}


def test_a_crash_loses_at_most_the_last_snapshot_interval(root) -> None:
    # GIVEN an unseeded stack saving DynamoDB every 0.2 s
    with dev_stack(root, "--no-seed", "--snapshot-interval", "0.2") as dev:
        recipe_id = write_recipe(dev, "Crash Curry")
        # WHEN the next periodic snapshot has run, and then the process group is killed
        deadline = time.monotonic() + 10
        while "Crash Curry" not in _snapshot_text(root) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert dev.interrupt(signal.SIGKILL) == -signal.SIGKILL
    # THEN a restart still has everything: DynamoDB from the snapshot, Aurora from its WAL
    with dev_stack(root, "--no-seed") as dev:
        assert_recipe_is_back(dev, recipe_id, "Crash Curry", author="ben")


def _snapshot_text(root) -> str:
    try:
        return (root / "dynamodb.json").read_text()
    except FileNotFoundError:
        return ""
