"""GraphQL fields of ratings: rateRecipe, topRatedRecipes, Recipe.rating and Viewer.ratings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler.graphql_appsync.router import Router

from resolvers.bootstrap import get_container
from resolvers.ids import parse_id
from resolvers.ratings import service
from resolvers.routing import current_caller, envelopes, source_values

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import AppSyncResolverEvent

router = Router()


@router.resolver(type_name="Mutation", field_name="rateRecipe")
def rate_recipe(recipeId: str, stars: int) -> dict[str, Any]:  # noqa: N803 - GraphQL argument
    container = get_container()
    return service.rate_recipe(
        container.ratings,
        container.recipes,
        container.profiles,
        current_caller(router),
        recipe_id=parse_id(recipeId, "recipeId"),
        stars=stars,
    ).to_graphql()


@router.resolver(type_name="Query", field_name="topRatedRecipes")
def top_rated_recipes(
    limit: int | None = None,
    minRatings: int | None = None,  # noqa: N803
    nextToken: str | None = None,  # noqa: N803
) -> dict[str, Any]:
    container = get_container()
    listed = service.top_rated_recipes(
        container.ratings,
        container.recipes,
        container.page_tokens,
        limit=limit,
        min_ratings=minRatings,
        next_token=nextToken,
    )
    return {
        "items": [recipe.to_graphql() for recipe in listed.items],
        "nextToken": listed.next_token,
    }


@router.batch_resolver(type_name="Recipe", field_name="rating")
def rating(event: list[AppSyncResolverEvent]) -> list[dict[str, Any]]:
    summaries = service.rating_summaries(get_container().ratings, source_values(event, "id"))
    graphql = [summary.to_graphql() if summary else None for summary in summaries]
    return envelopes(event, "id", graphql)


@router.resolver(type_name="Viewer", field_name="ratings")
def viewer_ratings(recipeIds: list[str]) -> list[dict[str, Any]]:  # noqa: N803 - GraphQL argument
    found = service.my_ratings(get_container().ratings, current_caller(router), recipeIds)
    return [rating.to_graphql() for rating in found]
