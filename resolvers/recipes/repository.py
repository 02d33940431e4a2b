"""Recipe storage: the Protocol services use, and its DynamoDB single-table implementation.

Layout and access patterns are documented in `resolvers.store.tables`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from resolvers.errors import ConflictError, NotFound, ValidationError
from resolvers.observability import tracer
from resolvers.recipes.models import Ingredient, Recipe
from resolvers.store.dynamo import batch_get, from_item, to_item, to_value

if TYPE_CHECKING:
    from collections.abc import Sequence

    from botocore.exceptions import ClientError
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

RECIPE_SK = "RECIPE"
FEED = "ALL"


@dataclass(frozen=True)
class RecipePage:
    recipes: list[Recipe]
    # DynamoDB's LastEvaluatedKey in plain values; None on the last page.
    next_key: dict[str, Any] | None


class RecipeLookup(Protocol):
    """The read other domains need: does a recipe exist, and what is it."""

    def get(self, recipe_id: str) -> Recipe | None: ...

    def get_many(self, recipe_ids: Sequence[str]) -> dict[str, Recipe]: ...


class RecipeRepository(Protocol):
    def get(self, recipe_id: str) -> Recipe | None: ...

    def get_many(self, recipe_ids: Sequence[str]) -> dict[str, Recipe]: ...

    def create(self, recipe: Recipe, also: Sequence[TransactWriteItemTypeDef] = ()) -> None: ...

    def replace(
        self, updated: Recipe, previous: Recipe, also: Sequence[TransactWriteItemTypeDef] = ()
    ) -> None: ...

    def delete(self, recipe: Recipe, also: Sequence[TransactWriteItemTypeDef] = ()) -> None: ...

    def newest(self, limit: int, start: dict[str, Any] | None) -> RecipePage: ...

    def by_author(self, author_id: str, limit: int, start: dict[str, Any] | None) -> RecipePage: ...

    def by_tag(self, tag: str, limit: int, start: dict[str, Any] | None) -> RecipePage: ...


class DynamoRecipeRepository:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @tracer.capture_method
    def get(self, recipe_id: str) -> Recipe | None:
        response = self._client.get_item(TableName=self._table, Key=to_item(_key(recipe_id)))
        item = response.get("Item")
        return _recipe(from_item(item)) if item else None

    @tracer.capture_method
    def get_many(self, recipe_ids: Sequence[str]) -> dict[str, Recipe]:
        if not recipe_ids:
            return {}
        items = batch_get(self._client, self._table, [_key(rid) for rid in recipe_ids])
        return {item["id"]: _recipe(item) for item in items}

    @tracer.capture_method
    def create(self, recipe: Recipe, also: Sequence[TransactWriteItemTypeDef] = ()) -> None:
        """Write the recipe, its tag items and `also` (e.g. its photo's attach) atomically.

        The tag index never points at a recipe that does not exist, and a photo is attached
        exactly when a recipe refers to it.
        """
        writes = [self._put(to_item(_attributes(recipe)), "attribute_not_exists(pk)")]
        writes += [self._put(_tag_item(recipe, tag)) for tag in recipe.tags]
        try:
            self._client.transact_write_items(TransactItems=[*writes, *also])
        except self._client.exceptions.TransactionCanceledException as error:
            raise _lost_race(error, recipe.id, len(writes)) from error

    @tracer.capture_method
    def replace(
        self, updated: Recipe, previous: Recipe, also: Sequence[TransactWriteItemTypeDef] = ()
    ) -> None:
        """Write `updated` (and `also`) only if the stored version is still `previous.version`."""
        guarded = self._put(
            to_item(_attributes(updated)), "attribute_exists(pk) AND version = :expected"
        )
        guarded["Put"]["ExpressionAttributeValues"] = {":expected": to_value(previous.version)}
        guarded["Put"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        removed = sorted(set(previous.tags) - set(updated.tags))
        writes = [guarded, *(self._delete(_tag_key(updated.id, tag)) for tag in removed)]
        # Rewriting kept tags is harmless and keeps them in step with the recipe.
        writes += [self._put(_tag_item(updated, tag)) for tag in updated.tags]
        try:
            self._client.transact_write_items(TransactItems=[*writes, *also])
        except self._client.exceptions.TransactionCanceledException as error:
            raise _lost_race(error, updated.id, len(writes)) from error

    @tracer.capture_method
    def delete(self, recipe: Recipe, also: Sequence[TransactWriteItemTypeDef] = ()) -> None:
        writes = [self._delete(_key(recipe.id))]
        writes += [self._delete(_tag_key(recipe.id, tag)) for tag in recipe.tags]
        self._client.transact_write_items(TransactItems=[*writes, *also])

    def _put(self, item: dict[str, Any], condition: str | None = None) -> TransactWriteItemTypeDef:
        put: dict[str, Any] = {"TableName": self._table, "Item": item}
        if condition:
            put["ConditionExpression"] = condition
        return {"Put": put}  # type: ignore[typeddict-item]

    def _delete(self, key: dict[str, str]) -> TransactWriteItemTypeDef:
        return {"Delete": {"TableName": self._table, "Key": to_item(key)}}

    @tracer.capture_method
    def newest(self, limit: int, start: dict[str, Any] | None) -> RecipePage:
        return self._query_recipes("byCreated", "feed", FEED, limit, start)

    @tracer.capture_method
    def by_author(self, author_id: str, limit: int, start: dict[str, Any] | None) -> RecipePage:
        return self._query_recipes("byAuthor", "authorId", author_id, limit, start)

    @tracer.capture_method
    def by_tag(self, tag: str, limit: int, start: dict[str, Any] | None) -> RecipePage:
        # The tag index holds keys only: one query for the page's ids, one BatchGetItem for them.
        response = self._client.query(**self._index_query("byTag", "tag", tag, limit, start))
        ids = [from_item(item)["pk"].removeprefix("RECIPE#") for item in response.get("Items", [])]
        found = self.get_many(ids)
        return RecipePage(
            recipes=[found[rid] for rid in ids if rid in found],
            next_key=_next_key(response),
        )

    def _query_recipes(
        self, index: str, attribute: str, value: str, limit: int, start: dict[str, Any] | None
    ) -> RecipePage:
        response = self._client.query(**self._index_query(index, attribute, value, limit, start))
        return RecipePage(
            recipes=[_recipe(from_item(item)) for item in response.get("Items", [])],
            next_key=_next_key(response),
        )

    def _index_query(
        self, index: str, attribute: str, value: str, limit: int, start: dict[str, Any] | None
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": "#k = :v",
            "ExpressionAttributeNames": {"#k": attribute},
            "ExpressionAttributeValues": {":v": to_value(value)},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if start:
            kwargs["ExclusiveStartKey"] = to_item(start)
        return kwargs


def _lost_race(error: ClientError, recipe_id: str, own_writes: int) -> Exception:
    reasons = error.response.get("CancellationReasons", [])
    # The writes after the recipe's own are the caller's guards (a photo's attach): one that
    # failed its condition lost a race with whatever changed the image since it was checked.
    if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons[own_writes:]):
        return ValidationError("photoKey no longer names an image you may attach: try again.")
    first = reasons[0] if reasons else {}
    if first.get("Code") == "ConditionalCheckFailed":
        if not first.get("Item"):
            return NotFound(f"Recipe {recipe_id} not found.")
        stored = from_item(first["Item"]).get("version")
        return ConflictError(
            f"Recipe {recipe_id} was changed by someone else: it is at version {stored}."
        )
    return error  # throttling or a conflict with another transaction: not the client's fault


def _next_key(response: Any) -> dict[str, Any] | None:
    key = response.get("LastEvaluatedKey")
    return from_item(key) if key else None


def _key(recipe_id: str) -> dict[str, str]:
    return {"pk": f"RECIPE#{recipe_id}", "sk": RECIPE_SK}


def _tag_key(recipe_id: str, tag: str) -> dict[str, str]:
    return {"pk": f"RECIPE#{recipe_id}", "sk": f"TAG#{tag}"}


def _created_key(recipe: Recipe) -> str:
    return f"{recipe.created_at}#{recipe.id}"


def _tag_item(recipe: Recipe, tag: str) -> dict[str, Any]:
    return to_item({**_tag_key(recipe.id, tag), "tag": tag, "createdKey": _created_key(recipe)})


def _attributes(recipe: Recipe) -> dict[str, Any]:
    return {
        **_key(recipe.id),
        "feed": FEED,
        "createdKey": _created_key(recipe),
        "id": recipe.id,
        "authorId": recipe.author_id,
        "title": recipe.title,
        "description": recipe.description,
        "ingredients": [
            {"name": i.name, "quantity": i.quantity, "unit": i.unit} for i in recipe.ingredients
        ],
        "steps": list(recipe.steps),
        "tags": list(recipe.tags),
        "servings": recipe.servings,
        "prepMinutes": recipe.prep_minutes,
        "cookMinutes": recipe.cook_minutes,
        "imageUrl": recipe.image_url,
        "photoKey": recipe.photo_key,
        "createdAt": recipe.created_at,
        "updatedAt": recipe.updated_at,
        "version": recipe.version,
    }


def _recipe(item: dict[str, Any]) -> Recipe:
    return Recipe(
        id=item["id"],
        author_id=item["authorId"],
        title=item["title"],
        description=item.get("description"),
        ingredients=tuple(
            Ingredient(name=i["name"], quantity=i.get("quantity"), unit=i.get("unit"))
            for i in item.get("ingredients", [])
        ),
        steps=tuple(item.get("steps", [])),
        tags=tuple(item.get("tags", [])),
        servings=int(item["servings"]),
        prep_minutes=int(item["prepMinutes"]),
        cook_minutes=int(item["cookMinutes"]),
        image_url=item.get("imageUrl"),
        photo_key=item.get("photoKey"),
        created_at=item["createdAt"],
        updated_at=item["updatedAt"],
        version=int(item["version"]),
    )
