"""GraphQL fields of recipes: lookups, the three listings, and create/update/delete."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.graphql_appsync.router import Router

from resolvers.bootstrap import get_container
from resolvers.ids import parse_id
from resolvers.profiles.service import ensure_profile
from resolvers.recipes import service
from resolvers.recipes.models import parse_changes, parse_draft
from resolvers.recipes.service import Listing
from resolvers.routing import current_caller

router = Router()


@router.resolver(type_name="Query", field_name="recipe")
def recipe(id: str) -> dict[str, Any] | None:  # noqa: A002 - GraphQL argument name
    # A nullable lookup: a missing recipe is null data, not an error, as clients expect.
    found = get_container().recipes.get(parse_id(id, "id"))
    return found.to_graphql() if found else None


@router.resolver(type_name="Query", field_name="recipes")
def recipes(limit: int | None = None, nextToken: str | None = None) -> dict[str, Any]:  # noqa: N803
    return _page(Listing("newest"), limit, nextToken)


@router.resolver(type_name="Query", field_name="recipesByAuthor")
def recipes_by_author(
    authorId: str,  # noqa: N803 - GraphQL argument names
    limit: int | None = None,
    nextToken: str | None = None,  # noqa: N803
) -> dict[str, Any]:
    return _page(Listing("author", parse_id(authorId, "authorId")), limit, nextToken)


@router.resolver(type_name="Query", field_name="recipesByTag")
def recipes_by_tag(
    tag: str,
    limit: int | None = None,
    nextToken: str | None = None,  # noqa: N803 - GraphQL argument name
) -> dict[str, Any]:
    return _page(Listing("tag", service.normalise_tag(tag)), limit, nextToken)


@router.resolver(type_name="Mutation", field_name="createRecipe")
def create_recipe(input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002
    caller = current_caller(router)
    draft = parse_draft(input)
    container = get_container()
    created = service.create_recipe(container.recipes, caller, draft, container.attachments)
    ensure_profile(container.profiles, caller)
    return created.to_graphql()


@router.resolver(type_name="Mutation", field_name="updateRecipe")
def update_recipe(input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002
    changes = parse_changes(input)
    container = get_container()
    return service.update_recipe(
        container.recipes, current_caller(router), changes, container.attachments
    ).to_graphql()


@router.resolver(type_name="Mutation", field_name="deleteRecipe")
def delete_recipe(id: str) -> dict[str, Any]:  # noqa: A002
    container = get_container()
    return service.delete_recipe(
        container.recipes,
        container.recipe_activity,
        current_caller(router),
        parse_id(id, "id"),
        container.settings.admin_group,
        photos=container.attachments,
    )


def _page(listing: Listing, limit: int | None, next_token: str | None) -> dict[str, Any]:
    container = get_container()
    page = service.list_recipes(
        container.recipes, container.page_tokens, listing, limit, next_token
    )
    return page.to_graphql()
