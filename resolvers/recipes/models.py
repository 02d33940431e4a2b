"""Recipe inputs, their validation limits, and the stored recipe."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from resolvers.errors import ValidationError
from resolvers.ids import parse_id
from resolvers.images.models import parse_image_key
from resolvers.text import require_storable

TITLE_MAX = 120
DESCRIPTION_MAX = 2_000
INGREDIENTS_MAX = 50
INGREDIENT_NAME_MAX = 100
UNIT_MAX = 30
STEPS_MAX = 50
STEP_MAX = 2_000
TAGS_MAX = 10
TAG_MAX = 30
SERVINGS_MAX = 100
MINUTES_MAX = 7 * 24 * 60
URL_MAX = 2_048
# DynamoDB numbers live between 1e-130 and 9.99e125; a kitchen needs far less, and a bound well
# inside that range keeps every quantity storable (and sensible).
QUANTITY_MIN = 0.001
QUANTITY_MAX = 1_000_000


@dataclass(frozen=True)
class Ingredient:
    name: str
    quantity: float | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Recipe:
    id: str
    author_id: str
    title: str
    description: str | None
    ingredients: tuple[Ingredient, ...]
    steps: tuple[str, ...]
    tags: tuple[str, ...]
    servings: int
    prep_minutes: int
    cook_minutes: int
    image_url: str | None
    created_at: str
    updated_at: str
    version: int
    photo_key: str | None = None

    def to_graphql(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "authorId": self.author_id,
            "title": self.title,
            "description": self.description,
            "ingredients": [asdict(ingredient) for ingredient in self.ingredients],
            "steps": list(self.steps),
            "tags": list(self.tags),
            "servings": self.servings,
            "prepMinutes": self.prep_minutes,
            "cookMinutes": self.cook_minutes,
            "imageUrl": self.image_url,
            # Not a schema field: the source that `Recipe.photo` resolves from.
            "photoKey": self.photo_key,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "version": self.version,
        }


@dataclass(frozen=True)
class RecipeDraft:
    """The writable part of a recipe, validated."""

    title: str
    description: str | None
    ingredients: tuple[Ingredient, ...]
    steps: tuple[str, ...]
    tags: tuple[str, ...]
    servings: int
    prep_minutes: int
    cook_minutes: int
    image_url: str | None
    photo_key: str | None = None


@dataclass(frozen=True)
class RecipeChanges:
    """An update: the fields present in the input, and the version the client last saw."""

    recipe_id: str
    expected_version: int
    values: dict[str, Any] = field(default_factory=dict)

    def apply_to(self, recipe: Recipe) -> RecipeDraft:
        current = RecipeDraft(
            title=recipe.title,
            description=recipe.description,
            ingredients=recipe.ingredients,
            steps=recipe.steps,
            tags=recipe.tags,
            servings=recipe.servings,
            prep_minutes=recipe.prep_minutes,
            cook_minutes=recipe.cook_minutes,
            image_url=recipe.image_url,
            photo_key=recipe.photo_key,
        )
        return replace(current, **self.values)


_DRAFT_FIELDS = {
    "title": "title",
    "description": "description",
    "ingredients": "ingredients",
    "steps": "steps",
    "tags": "tags",
    "servings": "servings",
    "prepMinutes": "prep_minutes",
    "cookMinutes": "cook_minutes",
    "imageUrl": "image_url",
    "photoKey": "photo_key",
}


def parse_draft(data: dict[str, Any]) -> RecipeDraft:
    """Validate CreateRecipeInput; every limit is checked before anything is written."""
    return RecipeDraft(**{name: _parse(name, data.get(key)) for key, name in _DRAFT_FIELDS.items()})


def parse_changes(data: dict[str, Any]) -> RecipeChanges:
    """Validate UpdateRecipeInput. Omitted fields keep their value; null clears optional ones."""
    values = {name: _parse(name, data[key]) for key, name in _DRAFT_FIELDS.items() if key in data}
    version = data.get("expectedVersion")
    if not isinstance(version, int) or version < 1:
        raise ValidationError("expectedVersion must be a positive integer.")
    recipe_id = parse_id(data.get("id"), "id")
    return RecipeChanges(recipe_id=recipe_id, expected_version=version, values=values)


def _parse(name: str, value: Any) -> Any:  # noqa: PLR0911 - one branch per field is clearest
    if name == "title":
        return _text("title", value, TITLE_MAX)
    if name == "description":
        return _optional_text("description", value, DESCRIPTION_MAX)
    if name == "ingredients":
        return _ingredients(value)
    if name == "steps":
        return _steps(value)
    if name == "tags":
        return _tags(value)
    if name == "servings":
        return _bounded_int("servings", value, 1, SERVINGS_MAX)
    if name in {"prep_minutes", "cook_minutes"}:
        return _bounded_int(_camel(name), value, 0, MINUTES_MAX)
    if name == "photo_key":
        return parse_image_key(value, "photoKey")
    return _optional_text("imageUrl", value, URL_MAX)


def _text(label: str, value: Any, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{label} must not be empty.")
    text = value.strip()
    if len(text) > limit:
        raise ValidationError(f"{label} must be at most {limit} characters.")
    return require_storable(label, text)


def _optional_text(label: str, value: Any, limit: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _text(label, value, limit)


def _bounded_int(label: str, value: Any, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValidationError(f"{label} must be between {low} and {high}.")
    return value


def _ingredients(value: Any) -> tuple[Ingredient, ...]:
    items = value if isinstance(value, list) else []
    if not 1 <= len(items) <= INGREDIENTS_MAX:
        raise ValidationError(f"A recipe needs 1 to {INGREDIENTS_MAX} ingredients.")
    parsed = []
    for item in items:
        quantity = item.get("quantity")
        if quantity is not None and not _storable_quantity(quantity):
            raise ValidationError(
                f"Ingredient quantity must be 0 or from {QUANTITY_MIN} to {QUANTITY_MAX:,}."
            )
        parsed.append(
            Ingredient(
                name=_text("ingredient name", item.get("name"), INGREDIENT_NAME_MAX),
                quantity=None if quantity is None else float(quantity),
                unit=_optional_text("ingredient unit", item.get("unit"), UNIT_MAX),
            )
        )
    return tuple(parsed)


def _storable_quantity(value: Any) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    return value == 0 or QUANTITY_MIN <= value <= QUANTITY_MAX


def _steps(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else []
    if not 1 <= len(items) <= STEPS_MAX:
        raise ValidationError(f"A recipe needs 1 to {STEPS_MAX} steps.")
    return tuple(_text("step", step, STEP_MAX) for step in items)


def _tags(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else []
    # Tags are case-insensitive labels: "Vegan" and "vegan" are one tag.
    tags = tuple(dict.fromkeys(_text("tag", tag, TAG_MAX).lower() for tag in items))
    if len(tags) > TAGS_MAX:
        raise ValidationError(f"A recipe has at most {TAGS_MAX} tags.")
    return tags


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
