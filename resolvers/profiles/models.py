"""The profile, its update input and validation limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from resolvers.errors import ValidationError
from resolvers.images.models import parse_image_key
from resolvers.text import require_storable

if TYPE_CHECKING:
    from resolvers.identity import Caller

DISPLAY_NAME_MAX = 60
BIO_MAX = 500
URL_MAX = 2_048


@dataclass(frozen=True)
class Profile:
    id: str
    display_name: str
    bio: str | None
    avatar_url: str | None
    email: str | None
    created_at: str
    updated_at: str
    avatar_key: str | None = None

    def to_graphql(self) -> dict[str, Any]:
        """The public profile: what anyone, subscribers included, may see."""
        return {
            "id": self.id,
            "displayName": self.display_name,
            "bio": self.bio,
            "avatarUrl": self.avatar_url,
            # Not a schema field: the source that `Profile.avatar` resolves from.
            "avatarKey": self.avatar_key,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }

    def to_viewer_graphql(self) -> dict[str, Any]:
        """The owner's own account (`Viewer`), private data included; only `Query.me` returns it."""
        return {"id": self.id, "email": self.email, "profile": self.to_graphql()}


@dataclass(frozen=True)
class ProfileChanges:
    values: dict[str, str | None]


def parse_profile_changes(data: dict[str, Any]) -> ProfileChanges:
    values: dict[str, str | None] = {}
    if "displayName" in data:
        name = data["displayName"]
        if not isinstance(name, str) or not name.strip():
            raise ValidationError("displayName must not be empty.")
        if len(name.strip()) > DISPLAY_NAME_MAX:
            raise ValidationError(f"displayName must be at most {DISPLAY_NAME_MAX} characters.")
        values["display_name"] = require_storable("displayName", name.strip())
    for key, attribute, limit in (("bio", "bio", BIO_MAX), ("avatarUrl", "avatar_url", URL_MAX)):
        if key in data:
            text = (data[key] or "").strip()
            if len(text) > limit:
                raise ValidationError(f"{key} must be at most {limit} characters.")
            require_storable(key, text)
            values[attribute] = text or None
    if "avatarKey" in data:
        values["avatar_key"] = parse_image_key(data["avatarKey"], "avatarKey")
    return ProfileChanges(values)


def default_display_name(caller: Caller) -> str:
    """A first name for a new profile, from whatever the token offers."""
    for candidate in (caller.display_name, caller.username, (caller.email or "").split("@")[0]):
        if candidate:
            return candidate[:DISPLAY_NAME_MAX]
    return "New cook"
