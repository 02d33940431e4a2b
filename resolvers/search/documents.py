"""What the index keeps of a recipe: its id, version and searchable text, read from a stored item."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

RECIPE_SK = "RECIPE"  # the recipe's own item; tag items share its partition


class UnindexableRecipeError(ValueError):
    """A stored recipe item lacks what the index needs (an id, a version, a title)."""


@dataclass(frozen=True)
class SearchDocument:
    recipe_id: str
    version: int
    title: str
    description: str
    ingredients: str
    tags: str

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> SearchDocument:
        """From a recipe item as plain values (a stream image, or a scanned item)."""
        try:
            recipe_id, version, title = str(item["id"]), item["version"], str(item["title"])
        except KeyError as missing:
            raise UnindexableRecipeError(f"recipe item without {missing}") from None
        if isinstance(version, bool) or not isinstance(version, int | Decimal):
            raise UnindexableRecipeError(f"recipe {recipe_id}: version {version!r} is not a number")
        ingredients = item.get("ingredients") or []
        return cls(
            recipe_id=recipe_id,
            version=int(version),
            title=title,
            description=str(item.get("description") or ""),
            ingredients=" ".join(
                str(i.get("name", "")) for i in ingredients if isinstance(i, dict)
            ),
            tags=" ".join(str(tag) for tag in item.get("tags") or []),
        )


def is_recipe_item(keys: Mapping[str, Any]) -> bool:
    return keys.get("sk") == RECIPE_SK
