"""GraphQL fields of comments: the three mutations, Recipe.comments and Recipe.commentCount."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler.graphql_appsync.router import Router

from resolvers.bootstrap import get_container
from resolvers.comments import service
from resolvers.ids import parse_id
from resolvers.routing import current_caller, current_event, envelopes, source_values

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import AppSyncResolverEvent

router = Router()


@router.resolver(type_name="Mutation", field_name="addComment")
def add_comment(recipeId: str, body: str) -> dict[str, Any]:  # noqa: N803 - GraphQL argument
    container = get_container()
    return service.add_comment(
        container.comments,
        container.recipes,
        container.profiles,
        current_caller(router),
        recipe_id=parse_id(recipeId, "recipeId"),
        body=body,
    ).to_graphql()


@router.resolver(type_name="Mutation", field_name="editComment")
def edit_comment(id: str, body: str) -> dict[str, Any]:  # noqa: A002 - GraphQL argument
    caller = current_caller(router)
    return service.edit_comment(get_container().comments, caller, id, body).to_graphql()


@router.resolver(type_name="Mutation", field_name="deleteComment")
def delete_comment(id: str) -> dict[str, Any]:  # noqa: A002
    container = get_container()
    caller = current_caller(router)
    deleted = service.delete_comment(container.comments, caller, container.settings.admin_group, id)
    return deleted.to_graphql()


@router.resolver(type_name="Recipe", field_name="comments")
def comments(limit: int | None = None, nextToken: str | None = None) -> dict[str, Any]:  # noqa: N803
    container = get_container()
    recipe_id = str(current_event(router).source["id"])
    listed = service.list_comments(
        container.comments, container.page_tokens, recipe_id, limit, nextToken
    )
    return {
        "items": [comment.to_graphql() for comment in listed.items],
        "nextToken": listed.next_token,
    }


@router.batch_resolver(type_name="Recipe", field_name="commentCount")
def comment_count(event: list[AppSyncResolverEvent]) -> list[dict[str, Any]]:
    counts = service.comment_counts(get_container().comments, source_values(event, "id"))
    return envelopes(event, "id", counts)
