"""Recipe rules: authorship, optimistic locking, deletion of everything hanging off a recipe."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

from resolvers.clock import aws_datetime, utc_now
from resolvers.errors import ConflictError, Forbidden, NotFound, ValidationError
from resolvers.images.models import ImagePurpose
from resolvers.images.service import recipe_target
from resolvers.pagination import PageTokens, page_limit
from resolvers.recipes.models import TAG_MAX, Recipe, RecipeChanges, RecipeDraft

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

    from resolvers.identity import Caller
    from resolvers.images.models import ImageRecord
    from resolvers.recipes.repository import RecipePage, RecipeRepository


class RecipeActivity(Protocol):
    """What hangs off a recipe in Aurora: its comments and ratings."""

    def purge(self, recipe_id: str) -> None: ...


class Photos(Protocol):
    """Attaching uploaded images (resolvers.images.service.Attachments)."""

    def check(
        self, caller_id: str, key: str, purpose: ImagePurpose, target: str, label: str
    ) -> ImageRecord: ...

    def attach_write(self, record: ImageRecord, target: str) -> TransactWriteItemTypeDef: ...

    def delete_write(self, key: str) -> TransactWriteItemTypeDef: ...

    def settle(self, key: str) -> None: ...

    def discard(self, owner_id: str, key: str) -> None: ...


@dataclass(frozen=True)
class Listing:
    """Which list a page belongs to; its scope is signed into every nextToken it hands out."""

    kind: str
    key: str = ""

    @property
    def scope(self) -> str:
        return f"{self.kind}:{self.key}"


@dataclass(frozen=True)
class Page:
    recipes: list[Recipe]
    next_token: str | None

    def to_graphql(self) -> dict[str, Any]:
        return {
            "items": [recipe.to_graphql() for recipe in self.recipes],
            "nextToken": self.next_token,
        }


def get_recipe(recipes: RecipeRepository, recipe_id: str) -> Recipe:
    found = recipes.get(recipe_id)
    if found is None:
        raise NotFound(f"Recipe {recipe_id} not found.")
    return found


def list_recipes(
    recipes: RecipeRepository,
    tokens: PageTokens,
    listing: Listing,
    limit: int | None,
    next_token: str | None,
) -> Page:
    size = page_limit(limit)
    start = tokens.decode(listing.scope, next_token) if next_token else None
    page = _fetch(recipes, listing, size, start)
    token = tokens.encode(listing.scope, page.next_key) if page.next_key else None
    return Page(page.recipes, token)


def normalise_tag(tag: str) -> str:
    cleaned = tag.strip().lower()
    if not cleaned or len(cleaned) > TAG_MAX:
        raise ValidationError(f"tag must be 1 to {TAG_MAX} characters.")
    return cleaned


def create_recipe(
    recipes: RecipeRepository, caller: Caller, draft: RecipeDraft, photos: Photos | None = None
) -> Recipe:
    now = aws_datetime(utc_now())
    recipe = Recipe(
        id=str(uuid.uuid4()),
        author_id=caller.require_user(),
        created_at=now,
        updated_at=now,
        version=1,
        **vars(draft),
    )
    attach = _attach_photo(photos, recipe, None)
    recipes.create(recipe, attach)
    _settle_photos(photos, recipe, None)
    return recipe


def update_recipe(
    recipes: RecipeRepository,
    caller: Caller,
    changes: RecipeChanges,
    photos: Photos | None = None,
) -> Recipe:
    user_id = caller.require_user()
    stored = get_recipe(recipes, changes.recipe_id)
    if stored.author_id != user_id:
        raise Forbidden("Only the recipe's author may change it.")
    if stored.version != changes.expected_version:
        raise ConflictError(
            f"Recipe {stored.id} is at version {stored.version}, "
            f"not {changes.expected_version}: reload it and try again."
        )
    updated = replace(
        stored,
        **vars(changes.apply_to(stored)),
        updated_at=aws_datetime(utc_now()),
        version=stored.version + 1,
    )
    # The repository re-checks the version in the write itself, so a writer that slipped in
    # since the read above still gets ConflictError rather than being overwritten.
    recipes.replace(updated, stored, _attach_photo(photos, updated, stored))
    _settle_photos(photos, updated, stored)
    return updated


def delete_recipe(
    recipes: RecipeRepository,
    activity: RecipeActivity,
    caller: Caller,
    recipe_id: str,
    admin_group: str,
    *,
    photos: Photos | None = None,
) -> dict[str, Any]:
    stored = get_recipe(recipes, recipe_id)
    may_delete = caller.is_operator or caller.is_in(admin_group)
    if not may_delete and stored.author_id != caller.require_user():
        raise Forbidden("Only the recipe's author or an admin may delete it.")
    # Comments and ratings go first, with a tombstone that refuses new ones. If the recipe's own
    # delete then fails, the client retries and nothing is left orphaned in between.
    activity.purge(stored.id)
    photo = stored.photo_key
    recipes.delete(stored, [photos.delete_write(photo)] if photos and photo else [])
    if photos and photo:
        photos.discard(stored.author_id, photo)
    return {"id": stored.id, "authorId": stored.author_id, "deletedAt": aws_datetime(utc_now())}


def _fetch(
    recipes: RecipeRepository, listing: Listing, size: int, start: dict[str, Any] | None
) -> RecipePage:
    if listing.kind == "author":
        return recipes.by_author(listing.key, size, start)
    if listing.kind == "tag":
        return recipes.by_tag(listing.key, size, start)
    return recipes.newest(size, start)


def _attach_photo(
    photos: Photos | None, recipe: Recipe, previous: Recipe | None
) -> list[TransactWriteItemTypeDef]:
    """The image writes that go in the recipe's own transaction: attach the new, drop the old."""
    new, old = recipe.photo_key, previous.photo_key if previous else None
    if new == old:
        return []
    if photos is None:
        raise ValidationError("Photos are not available here.")
    writes = []
    if new is not None:
        target = recipe_target(recipe.id)
        record = photos.check(recipe.author_id, new, ImagePurpose.RECIPE_PHOTO, target, "photoKey")
        writes.append(photos.attach_write(record, target))
    if old is not None:
        writes.append(photos.delete_write(old))
    return writes


def _settle_photos(photos: Photos | None, recipe: Recipe, previous: Recipe | None) -> None:
    new, old = recipe.photo_key, previous.photo_key if previous else None
    if photos is None or new == old:
        return
    if new is not None:
        photos.settle(new)
    if old is not None and previous is not None:
        photos.discard(previous.author_id, old)
