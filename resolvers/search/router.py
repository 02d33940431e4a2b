"""GraphQL field of search: `Query.searchRecipes`."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.graphql_appsync.router import Router

from resolvers.bootstrap import get_container
from resolvers.search import service

router = Router()


@router.resolver(type_name="Query", field_name="searchRecipes")
def search_recipes(
    query: str,
    limit: int | None = None,
    nextToken: str | None = None,  # noqa: N803 - GraphQL argument name
) -> dict[str, Any]:
    container = get_container()
    page = service.search_recipes(
        container.search_index,
        container.recipes,
        container.page_tokens,
        query,
        limit,
        nextToken,
    )
    return page.to_graphql()
