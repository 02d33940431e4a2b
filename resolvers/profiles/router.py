"""GraphQL fields of profiles: Query.me, Query.profile, Mutation.updateMyProfile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler.graphql_appsync.router import Router

from resolvers.bootstrap import get_container
from resolvers.ids import parse_id
from resolvers.profiles import service
from resolvers.profiles.models import parse_profile_changes
from resolvers.routing import current_caller, envelopes, source_values

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import AppSyncResolverEvent

router = Router()


@router.resolver(type_name="Query", field_name="me")
def me() -> dict[str, Any]:
    return service.me(get_container().profiles, current_caller(router)).to_viewer_graphql()


@router.resolver(type_name="Query", field_name="profile")
def profile(id: str) -> dict[str, Any] | None:  # noqa: A002 - GraphQL argument name
    found = get_container().profiles.get(parse_id(id, "id"))
    return found.to_graphql() if found else None


@router.resolver(type_name="Mutation", field_name="updateMyProfile")
def update_my_profile(input: dict[str, Any]) -> dict[str, Any]:  # noqa: A002
    changes = parse_profile_changes(input)
    container = get_container()
    return service.update_my_profile(
        container.profiles, current_caller(router), changes, container.attachments
    ).to_graphql()


@router.batch_resolver(type_name="Recipe", field_name="author")
def recipe_author(event: list[AppSyncResolverEvent]) -> list[dict[str, Any]]:
    return _authors(event)


@router.batch_resolver(type_name="Comment", field_name="author")
def comment_author(event: list[AppSyncResolverEvent]) -> list[dict[str, Any]]:
    return _authors(event)


def _authors(events: list[AppSyncResolverEvent]) -> list[dict[str, Any]]:
    # One BatchGetItem for the whole batch; a deleted user's content shows a null author.
    found = service.profiles_in_order(get_container().profiles, source_values(events, "authorId"))
    graphql = [profile.to_graphql() if profile else None for profile in found]
    return envelopes(events, "authorId", graphql)
