"""Every documented validation limit: accepted at the limit, refused just past it."""

from __future__ import annotations

from typing import Any

import pytest

from resolvers.errors import ValidationError
from resolvers.profiles import models as profile_models
from resolvers.profiles.models import parse_profile_changes
from resolvers.recipes import models as recipe_models
from resolvers.recipes.models import parse_changes, parse_draft
from tests.support.inputs import recipe_input

M = recipe_models
RECIPE_LIMITS: list[tuple[str, Any, Any]] = [
    ("title", "t" * M.TITLE_MAX, "t" * (M.TITLE_MAX + 1)),
    ("description", "d" * M.DESCRIPTION_MAX, "d" * (M.DESCRIPTION_MAX + 1)),
    (
        "ingredients",
        [{"name": f"i{n}"} for n in range(M.INGREDIENTS_MAX)],
        [{"name": f"i{n}"} for n in range(M.INGREDIENTS_MAX + 1)],
    ),
    (
        "ingredients",
        [{"name": "n" * M.INGREDIENT_NAME_MAX}],
        [{"name": "n" * (M.INGREDIENT_NAME_MAX + 1)}],
    ),
    (
        "ingredients",
        [{"name": "salt", "unit": "u" * M.UNIT_MAX}],
        [{"name": "salt", "unit": "u" * (M.UNIT_MAX + 1)}],
    ),
    ("ingredients", [{"name": "salt", "quantity": 0}], [{"name": "salt", "quantity": -1}]),
    ("steps", ["s"] * M.STEPS_MAX, ["s"] * (M.STEPS_MAX + 1)),
    ("steps", ["s" * M.STEP_MAX], ["s" * (M.STEP_MAX + 1)]),
    ("tags", [f"t{n}" for n in range(M.TAGS_MAX)], [f"t{n}" for n in range(M.TAGS_MAX + 1)]),
    ("tags", ["t" * M.TAG_MAX], ["t" * (M.TAG_MAX + 1)]),
    ("servings", M.SERVINGS_MAX, M.SERVINGS_MAX + 1),
    ("servings", 1, 0),
    ("prepMinutes", M.MINUTES_MAX, M.MINUTES_MAX + 1),
    ("cookMinutes", 0, -1),
    (
        "imageUrl",
        "https://x.example/" + "p" * (M.URL_MAX - 18),
        "https://x.example/" + "p" * (M.URL_MAX - 17),
    ),
]


@pytest.mark.parametrize(("field", "at_limit", "past_limit"), RECIPE_LIMITS)
def test_recipe_limits(field: str, at_limit: Any, past_limit: Any) -> None:
    # GIVEN a recipe input exactly at a limit, and one just past it
    # WHEN each is parsed for create and for update
    parse_draft(recipe_input(**{field: at_limit}))
    parse_changes({"id": "r1", "expectedVersion": 1, field: at_limit})
    # THEN the first passes and the second is a ValidationError naming the field
    with pytest.raises(ValidationError):
        parse_draft(recipe_input(**{field: past_limit}))
    with pytest.raises(ValidationError):
        parse_changes({"id": "r1", "expectedVersion": 1, field: past_limit})


@pytest.mark.parametrize("field", ["title", "ingredients", "steps"])
def test_required_recipe_fields_may_not_be_empty(field: str) -> None:
    empty: Any = "   " if field == "title" else []
    with pytest.raises(ValidationError):
        parse_draft(recipe_input(**{field: empty}))


@pytest.mark.parametrize("version", [0, -1, None, "1"])
def test_expected_version_must_be_a_positive_integer(version: Any) -> None:
    with pytest.raises(ValidationError, match="expectedVersion"):
        parse_changes({"id": "r1", "expectedVersion": version})


P = profile_models


@pytest.mark.parametrize(
    ("field", "at_limit", "past_limit"),
    [
        ("displayName", "n" * P.DISPLAY_NAME_MAX, "n" * (P.DISPLAY_NAME_MAX + 1)),
        ("bio", "b" * P.BIO_MAX, "b" * (P.BIO_MAX + 1)),
        ("avatarUrl", "u" * P.URL_MAX, "u" * (P.URL_MAX + 1)),
    ],
)
def test_profile_limits(field: str, at_limit: str, past_limit: str) -> None:
    assert parse_profile_changes({field: at_limit}).values
    with pytest.raises(ValidationError, match=field):
        parse_profile_changes({field: past_limit})


def test_display_name_may_not_be_blank() -> None:
    with pytest.raises(ValidationError):
        parse_profile_changes({"displayName": "  "})
