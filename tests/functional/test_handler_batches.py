"""Batch resolvers through the handler: order, length, per-item errors, constant round trips."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.functional.test_handler_recipes import create, new_user
from tests.support import events
from tests.support.invoke import Invoke
from tests.support.stack import AppStack

BATCHED = [
    ("Recipe", "author"),
    ("Recipe", "rating"),
    ("Recipe", "commentCount"),
]


@pytest.fixture
def backend_calls(app_stack: AppStack) -> Iterator[Counter[str]]:
    """Every DynamoDB and Data API request the app makes, by operation."""
    calls: Counter[str] = Counter()
    clients = [app_stack.container.dynamodb, app_stack.container.rds_data]

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    for client in clients:
        client.meta.events.register("before-call", count)
    yield calls
    for client in clients:
        client.meta.events.unregister("before-call", count)


def seed_author(invoke: Invoke, count: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    author = new_user()
    recipes = [create(invoke, author, title=f"Dish {n}") for n in range(count)]
    return author, recipes


def home_feed(
    invoke: Invoke, author: dict[str, Any], viewer: dict[str, Any], limit: int
) -> list[Any]:
    """The home page: a list of recipes, then each nested batched field, as AppSync would run it."""
    page = invoke(
        events.event("Query", "recipesByAuthor", {"authorId": author["sub"], "limit": limit})
    )
    return [invoke(events.batch(t, f, page["items"], identity=viewer)) for t, f in BATCHED]


def test_batch_results_keep_order_and_length(invoke: Invoke) -> None:
    # GIVEN three authors' recipes that differ in every batched field
    alice, (a1,) = seed_author(invoke, 1)
    bob, (b1,) = seed_author(invoke, 1)
    carol, (c1,) = seed_author(invoke, 1)
    rate = {b1["id"]: 4, c1["id"]: 2}
    for recipe_id, stars in rate.items():
        invoke(
            events.event(
                "Mutation", "rateRecipe", {"recipeId": recipe_id, "stars": stars}, identity=alice
            )
        )
    for recipe_id, comments in ((b1["id"], 1), (c1["id"], 2)):
        for n in range(comments):
            invoke(
                events.event(
                    "Mutation",
                    "addComment",
                    {"recipeId": recipe_id, "body": f"Yum {n}"},
                    identity=alice,
                )
            )
    # AND a batch whose order reads differently backwards, with a repeated item
    sources = [a1, b1, c1, a1]
    # WHEN each batched field resolves the batch as Alice
    authors = invoke(events.batch("Recipe", "author", sources, identity=alice))
    ratings = invoke(events.batch("Recipe", "rating", sources, identity=alice))
    counts = invoke(events.batch("Recipe", "commentCount", sources, identity=alice))
    # THEN every answer has one envelope per item, in the batch's order
    assert [a["data"]["id"] for a in authors] == [
        alice["sub"],
        bob["sub"],
        carol["sub"],
        alice["sub"],
    ]
    assert [r["data"] for r in ratings] == [
        {"average": None, "count": 0},
        {"average": 4.0, "count": 1},
        {"average": 2.0, "count": 1},
        {"average": None, "count": 0},
    ]
    assert [c["data"] for c in counts] == [0, 1, 2, 0]


def test_a_bad_item_fails_alone_in_the_item_form(invoke: Invoke) -> None:
    # GIVEN a batch whose middle parent lacks the key the field resolves from
    _, (recipe,) = seed_author(invoke, 1)
    sources = [recipe, {"title": "partial parent"}, recipe]
    # WHEN the batch resolves
    result = invoke(events.batch("Recipe", "commentCount", sources))
    # THEN only that item carries an error, in AppSync's {data, errorMessage, errorType} form
    assert result[0] == {"data": 0}
    assert result[2] == {"data": 0}
    assert result[1]["data"] is None
    assert result[1]["errorType"] == "BadRequest"
    assert "id" in result[1]["errorMessage"]


def test_backend_round_trips_do_not_grow_with_page_size(
    invoke: Invoke, backend_calls: Counter[str]
) -> None:
    # GIVEN authors with 5 and with 50 recipes, and a signed-in viewer
    small_author, _ = seed_author(invoke, 5)
    large_author, _ = seed_author(invoke, 50)
    viewer = new_user()
    # WHEN the home feed with author, rating and commentCount is read for each
    backend_calls.clear()
    small = home_feed(invoke, small_author, viewer, limit=5)
    small_calls = dict(backend_calls)
    backend_calls.clear()
    large = home_feed(invoke, large_author, viewer, limit=50)
    large_calls = dict(backend_calls)
    # THEN the pages differ in size but cost exactly the same requests: one per field
    assert len(small[0]) == 5
    assert len(large[0]) == 50
    assert small_calls == large_calls
    assert small_calls == {"Query": 1, "BatchGetItem": 1, "ExecuteStatement": 2}


def test_every_error_type_reaches_the_client_with_its_message(invoke: Invoke) -> None:
    from resolvers.errors import BadRequest, ConflictError, Forbidden, NotFound, ValidationError

    alice, bob = new_user(), new_user()
    recipe = create(invoke, alice)
    stale = {"id": recipe["id"], "expectedVersion": 7, "title": "x"}
    cases: list[tuple[type[Exception], dict[str, Any], str]] = [
        (
            NotFound,
            events.event("Mutation", "deleteRecipe", {"id": str(uuid.uuid4())}, identity=alice),
            "not found",
        ),
        (
            Forbidden,
            events.event("Mutation", "deleteRecipe", {"id": recipe["id"]}, identity=bob),
            "author",
        ),
        (
            ValidationError,
            events.event(
                "Mutation", "rateRecipe", {"recipeId": recipe["id"], "stars": 6}, identity=bob
            ),
            "1",
        ),
        (
            ConflictError,
            events.event("Mutation", "updateRecipe", {"input": stale}, identity=alice),
            "version 1",
        ),
        (BadRequest, events.event("Query", "recipes", {"nextToken": "forged.token"}), "nextToken"),
    ]
    for error_type, event, fragment in cases:
        # WHEN each failing call is made, THEN the exception's class name is the errorType
        with pytest.raises(error_type) as caught:
            invoke(event)
        assert type(caught.value).__name__ == error_type.__name__
        assert fragment in str(caught.value)
