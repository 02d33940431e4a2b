"""GraphQL fields of images: the upload offer, Recipe.photo, Profile.avatar, and re-publishing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler.graphql_appsync.router import Router

from resolvers.batching import ok
from resolvers.bootstrap import get_container
from resolvers.errors import Forbidden, NotFound
from resolvers.ids import parse_id
from resolvers.images import service
from resolvers.images.models import parse_content_type, parse_purpose
from resolvers.routing import current_caller, source_values

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes import AppSyncResolverEvent

    from resolvers.profiles.models import Profile
    from resolvers.recipes.models import Recipe

router = Router()


@router.resolver(type_name="Mutation", field_name="createImageUpload")
def create_image_upload(purpose: str, contentType: str) -> dict[str, Any]:  # noqa: N803
    caller = current_caller(router)
    kind, content_type = parse_purpose(purpose), parse_content_type(contentType)
    container = get_container()
    return service.create_upload(
        container.images, container.photo_bucket, caller, kind, content_type
    )


@router.batch_resolver(type_name="Recipe", field_name="photo")
def recipe_photo(event: list[AppSyncResolverEvent]) -> list[dict[str, Any]]:
    return _images(event, "photoKey")


@router.batch_resolver(type_name="Profile", field_name="avatar")
def profile_avatar(event: list[AppSyncResolverEvent]) -> list[dict[str, Any]]:
    return _images(event, "avatarKey")


@router.resolver(type_name="Mutation", field_name="publishRecipePhoto")
def publish_recipe_photo(recipeId: str) -> dict[str, Any]:  # noqa: N803
    """Return the recipe unchanged: AppSync publishes it to `onRecipeUpdated` subscribers."""
    recipe_id = _operator_target(recipeId, "recipeId")
    return _found(get_container().recipes.get(recipe_id), f"Recipe {recipe_id}")


@router.resolver(type_name="Mutation", field_name="publishProfileAvatar")
def publish_profile_avatar(profileId: str) -> dict[str, Any]:  # noqa: N803
    """Return the profile unchanged: AppSync publishes it to `onProfileUpdated` subscribers."""
    profile_id = _operator_target(profileId, "profileId")
    return _found(get_container().profiles.get(profile_id), f"Profile {profile_id}")


def _operator_target(value: Any, label: str) -> str:
    target = parse_id(value, label)
    # The schema already allows only IAM here; a second check costs nothing if that ever drifts.
    if not current_caller(router).is_operator:
        raise Forbidden("Only the backend may publish processed images.")
    return target


def _found(found: Recipe | Profile | None, what: str) -> dict[str, Any]:
    if found is None:
        raise NotFound(f"{what} not found.")
    return found.to_graphql()


def _images(events: list[AppSyncResolverEvent], key: str) -> list[dict[str, Any]]:
    # One BatchGetItem per batch; a parent without an image (or whose image expired) gets null.
    container = get_container()
    keys = source_values(events, key)
    found = container.images.get_many([k for k in keys if k])
    bucket = container.photo_bucket
    return [ok(service.image_view(found[k], bucket) if k and k in found else None) for k in keys]
