"""Canned data for the two devserver floors, shaped as the Lambda returns it (GraphQL names)."""

from __future__ import annotations

from typing import Any

FEED_SIZE = 20
AUTHORS = 10
STAMP = "2026-01-01T12:00:00.000Z"

PROFILES: dict[str, dict[str, Any]] = {
    f"author-{n}": {
        "id": f"author-{n}",
        "displayName": f"Cook {n}",
        "bio": None,
        "avatarUrl": f"https://img.example.com/avatars/{n}.png",
        "createdAt": STAMP,
        "updatedAt": STAMP,
    }
    for n in range(AUTHORS)
}


def recipe_input(n: int = 0) -> dict[str, Any]:
    """A CreateRecipeInput; the canned recipes below are the same input as the Lambda returns it."""
    return {
        "title": f"Pad kra pao no. {n}",
        "description": "Holy basil stir-fry.",
        "ingredients": [
            {"name": "basil", "quantity": 1.5, "unit": "cup"},
            {"name": "chicken", "quantity": 300.0, "unit": "g"},
            {"name": "fish sauce", "quantity": 1.0, "unit": "tbsp"},
        ],
        "steps": ["Fry the aromatics.", "Add the chicken.", "Finish with basil."],
        "tags": ["thai", "quick"],
        "servings": 2,
        "prepMinutes": 10,
        "cookMinutes": 5,
        "imageUrl": "https://img.example.com/kra-pao.jpg",
    }


RECIPES: dict[str, dict[str, Any]] = {
    f"recipe-{n}": {
        "id": f"recipe-{n}",
        "authorId": f"author-{n % AUTHORS}",
        **recipe_input(n),
        "createdAt": STAMP,
        "updatedAt": STAMP,
        "version": 1,
    }
    for n in range(FEED_SIZE)
}

RATINGS: dict[str, dict[str, Any]] = {
    recipe_id: {"average": 3.5 + (n % 3) / 2, "count": 2 + n} for n, recipe_id in enumerate(RECIPES)
}
COMMENT_COUNTS: dict[str, int] = {recipe_id: n % 7 for n, recipe_id in enumerate(RECIPES)}
FIRST_RECIPE = next(iter(RECIPES))


def feed(limit: int | None) -> list[dict[str, Any]]:
    return list(RECIPES.values())[: limit or FEED_SIZE]
