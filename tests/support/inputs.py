"""One factory for the GraphQL inputs tests send: a valid CreateRecipeInput, with overrides."""

from __future__ import annotations

from typing import Any


def recipe_input(**overrides: Any) -> dict[str, Any]:
    """A CreateRecipeInput every rule accepts; override any field to test one thing."""
    base: dict[str, Any] = {
        "title": "Green curry",
        "description": "Weeknight curry.",
        "ingredients": [{"name": "curry paste", "quantity": 1.5, "unit": "tbsp"}],
        "steps": ["Fry the paste.", "Add coconut milk."],
        "tags": ["thai", "Curry"],
        "servings": 4,
        "prepMinutes": 15,
        "cookMinutes": 20,
        "imageUrl": "https://img.example.com/curry.jpg",
    }
    return {**base, **overrides}
