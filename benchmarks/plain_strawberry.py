"""The plain-Strawberry floor: the benchmark's queries over the canned data, nothing else.

A hand-written minimal type set for just the benchmark's fields (a floor, not product code),
with plain synchronous resolvers reading in-memory dicts, served by Strawberry's ASGI view.
`cached=True` adds Strawberry's own ParserCache and ValidationCache extensions: by default
Strawberry parses and validates every request, which the devserver does once per query text.
"""

from __future__ import annotations

from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

from benchmarks.sample_data import COMMENT_COUNTS, PROFILES, RATINGS, RECIPES, feed


@strawberry.type
class Ingredient:
    name: str
    quantity: float | None
    unit: str | None


@strawberry.type
class Profile:
    id: strawberry.ID
    display_name: str
    bio: str | None
    avatar_url: str | None
    created_at: str
    updated_at: str


@strawberry.type
class RatingSummary:
    average: float | None
    count: int


@strawberry.type
class Recipe:
    id: strawberry.ID
    author_id: strawberry.ID
    title: str
    description: str | None
    ingredients: list[Ingredient]
    steps: list[str]
    tags: list[str]
    servings: int
    prep_minutes: int
    cook_minutes: int
    image_url: str | None
    created_at: str
    updated_at: str
    version: int

    @strawberry.field
    def author(self) -> Profile | None:
        found = PROFILES.get(self.author_id)
        return _profile(found) if found else None

    @strawberry.field
    def rating(self) -> RatingSummary | None:
        found = RATINGS.get(self.id)
        return RatingSummary(**found) if found else None

    @strawberry.field
    def comment_count(self) -> int | None:
        return COMMENT_COUNTS.get(self.id, 0)


@strawberry.type
class RecipeConnection:
    items: list[Recipe]
    next_token: str | None


def _profile(data: dict[str, Any]) -> Profile:
    return Profile(
        id=strawberry.ID(data["id"]),
        display_name=data["displayName"],
        bio=data["bio"],
        avatar_url=data["avatarUrl"],
        created_at=data["createdAt"],
        updated_at=data["updatedAt"],
    )


def _recipe(data: dict[str, Any]) -> Recipe:
    return Recipe(
        id=strawberry.ID(data["id"]),
        author_id=strawberry.ID(data["authorId"]),
        title=data["title"],
        description=data["description"],
        ingredients=[Ingredient(**i) for i in data["ingredients"]],
        steps=data["steps"],
        tags=data["tags"],
        servings=data["servings"],
        prep_minutes=data["prepMinutes"],
        cook_minutes=data["cookMinutes"],
        image_url=data["imageUrl"],
        created_at=data["createdAt"],
        updated_at=data["updatedAt"],
        version=data["version"],
    )


@strawberry.type
class Query:
    @strawberry.field
    def recipe(self, id: strawberry.ID) -> Recipe | None:  # noqa: A002 - the GraphQL argument
        found = RECIPES.get(id)
        return _recipe(found) if found else None

    @strawberry.field
    def recipes(self, limit: int | None = None, next_token: str | None = None) -> RecipeConnection:  # noqa: ARG002
        return RecipeConnection(items=[_recipe(r) for r in feed(limit)], next_token=None)


def create_app(*, cached: bool) -> Starlette:
    extensions = [ParserCache(maxsize=512), ValidationCache(maxsize=512)] if cached else []
    # Instances, as Strawberry documents these two; its annotation only names classes/factories.
    schema = strawberry.Schema(query=Query, extensions=extensions)  # type: ignore[arg-type]
    view: GraphQL[Any, Any] = GraphQL(schema, graphql_ide=None)
    return Starlette(routes=[Route("/graphql", view, methods=["GET", "POST"])])
