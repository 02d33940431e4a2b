"""The README's validation-limit table says what the code enforces."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from resolvers import ids
from resolvers.comments import models as comments
from resolvers.images.models import MAX_UPLOAD_BYTES
from resolvers.pagination import MAX_LIMIT
from resolvers.profiles import models as profiles
from resolvers.ratings import models as ratings
from resolvers.recipes import models as recipes
from resolvers.thumbnails import imaging

README = Path(__file__).parents[2] / "README.md"


def _limit_rows() -> dict[str, str]:
    text = README.read_text()
    section = text.split("**Validation limits**", 1)[1].split("\n\n", 2)[1]
    rows = [line.strip("|").split("|") for line in section.splitlines() if line.startswith("|")]
    return {cells[0].strip(): cells[1].strip() for cells in rows[2:]}


def _numbers(text: str) -> set[int]:
    return {int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", text)}


@pytest.mark.parametrize(
    ("row", "values"),
    [
        ("recipe title", {recipes.TITLE_MAX}),
        ("recipe description", {recipes.DESCRIPTION_MAX}),
        (
            "ingredients",
            {
                recipes.INGREDIENTS_MAX,
                recipes.INGREDIENT_NAME_MAX,
                recipes.UNIT_MAX,
                recipes.QUANTITY_MAX,
            },
        ),
        ("ids (`id`, `authorId`, `recipeId`, `recipeIds`)", {ids.ID_MAX, ids.IDS_MAX}),
        (
            "uploaded file",
            {MAX_UPLOAD_BYTES // (1024 * 1024), imaging.MAX_PIXELS // 1_000_000},
        ),
        ("steps", {recipes.STEPS_MAX, recipes.STEP_MAX}),
        ("tags", {recipes.TAGS_MAX, recipes.TAG_MAX}),
        ("servings", {recipes.SERVINGS_MAX}),
        ("prep and cook minutes", {recipes.MINUTES_MAX}),
        ("image and avatar URLs", {recipes.URL_MAX, profiles.URL_MAX}),
        ("comment body", {comments.BODY_MAX}),
        ("stars", {ratings.STARS_MIN, ratings.STARS_MAX}),
        ("display name", {profiles.DISPLAY_NAME_MAX}),
        ("bio", {profiles.BIO_MAX}),
        ("`limit`", {MAX_LIMIT}),
        ("`minRatings`", {ratings.MIN_RATINGS_DEFAULT}),
    ],
)
def test_readme_limits_match_the_code(row: str, values: set[int]) -> None:
    # GIVEN the README's row for an input WHEN its numbers are read THEN they include the code's
    assert values <= _numbers(_limit_rows()[row])


def test_the_readme_points_only_inside_the_repository() -> None:
    text = README.read_text()
    repo = README.parent.resolve()
    # GIVEN every relative link of the README
    targets = [
        target.split("#", 1)[0]
        for target in re.findall(r"\]\(([^)\s]+)\)", text)
        if not re.match(r"[a-z]+:", target) and not target.startswith("#")
    ]
    assert targets
    # THEN each names a file of the repository, and nothing points out of it
    for target in targets:
        path = (repo / target).resolve()
        assert path.is_relative_to(repo), target
        assert path.exists(), target
    assert "../" not in text
