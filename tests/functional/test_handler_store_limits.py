"""Input the stores cannot hold is a ValidationError before any backend call, never an InternalError.

DynamoDB refuses empty key attributes, keys over 2,048/1,024 bytes and numbers outside 1e-130 to
9.99e125 or with more than 38 digits; such a refusal would reach the client as an InternalError.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from resolvers.errors import ValidationError
from tests.functional.test_handler_recipes import create, new_user
from tests.support import events
from tests.support.inputs import recipe_input
from tests.support.invoke import Invoke
from tests.support.stack import AppStack

LONG_ID = "x" * 3_000
COOK = new_user()


@pytest.fixture
def backend_calls(app_stack: AppStack) -> Iterator[Counter[str]]:
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    clients = [app_stack.container.dynamodb, app_stack.container.rds_data]
    for client in clients:
        client.meta.events.register("before-call", count)
    yield calls
    for client in clients:
        client.meta.events.unregister("before-call", count)


def _with_quantity(quantity: float) -> dict[str, Any]:
    draft = recipe_input()
    draft["ingredients"] = [{"name": "salt", "quantity": quantity, "unit": "g"}]
    return draft


def _cases() -> list[Any]:
    recipe_id = str(uuid.uuid4())
    cases: list[tuple[str, str, dict[str, Any]]] = []
    for bad in ("", "   ", LONG_ID):
        cases += [
            ("Query", "profile", {"id": bad}),
            ("Query", "recipe", {"id": bad}),
            ("Query", "recipesByAuthor", {"authorId": bad}),
            ("Query", "recipesByTag", {"tag": bad}),
            ("Mutation", "deleteRecipe", {"id": bad}),
            ("Mutation", "updateRecipe", {"input": {"id": bad, "expectedVersion": 1}}),
            ("Mutation", "addComment", {"recipeId": bad, "body": "Nice"}),
            ("Mutation", "editComment", {"id": bad, "body": "Nice"}),
            ("Mutation", "deleteComment", {"id": bad}),
            ("Mutation", "rateRecipe", {"recipeId": bad, "stars": 3}),
        ]
    for quantity in (1e200, 5e-324, 1e-131, 1e126):
        cases += [
            ("Mutation", "createRecipe", {"input": _with_quantity(quantity)}),
            (
                "Mutation",
                "updateRecipe",
                {
                    "input": {
                        "id": recipe_id,
                        "expectedVersion": 1,
                        "ingredients": _with_quantity(quantity)["ingredients"],
                    }
                },
            ),
        ]
    cases.append(("Mutation", "addComment", {"recipeId": recipe_id, "body": "y" * 400_000}))
    # A lone surrogate (valid JSON: "\ud800") fits no UTF-8 store; NUL fits no PostgreSQL text.
    for bad_text in ("a\ud800b", "a\x00b"):
        cases += [
            ("Mutation", "createRecipe", {"input": recipe_input(title=bad_text)}),
            ("Mutation", "createRecipe", {"input": recipe_input(tags=[bad_text])}),
            ("Mutation", "updateMyProfile", {"input": {"displayName": bad_text}}),
            ("Mutation", "updateMyProfile", {"input": {"bio": bad_text}}),
            ("Query", "profile", {"id": bad_text}),
            ("Mutation", "rateRecipe", {"recipeId": bad_text, "stars": 3}),
        ]
    return [pytest.param(*case, id=f"{case[1]}-{n}") for n, case in enumerate(cases)]


@pytest.mark.parametrize(("type_name", "field_name", "arguments"), _cases())
def test_input_no_store_can_hold_is_a_validation_error_before_any_backend_call(
    invoke: Invoke,
    backend_calls: Counter[str],
    type_name: str,
    field_name: str,
    arguments: dict[str, Any],
) -> None:
    # GIVEN a signed-in cook sending an id, key or number the stores cannot hold
    backend_calls.clear()
    # WHEN the resolver runs
    # THEN it is a ValidationError, and no store was asked anything
    with pytest.raises(ValidationError):
        invoke(events.event(type_name, field_name, arguments, identity=COOK))
    assert backend_calls == Counter()


@pytest.mark.parametrize("quantity", [0, 0.001, 2.5, 1_000_000])
def test_sensible_quantities_round_trip(invoke: Invoke, quantity: float) -> None:
    created = create(invoke, new_user(), ingredients=_with_quantity(quantity)["ingredients"])
    assert created["ingredients"][0]["quantity"] == quantity
