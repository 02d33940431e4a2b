"""Profile rules: who sees what, and the profile created on a user's first call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from resolvers.clock import aws_datetime, utc_now
from resolvers.errors import ValidationError
from resolvers.identity import AuthMode, Caller
from resolvers.images.models import ImagePurpose
from resolvers.images.service import profile_target
from resolvers.profiles.models import Profile, ProfileChanges, default_display_name

if TYPE_CHECKING:
    from collections.abc import Sequence

    from resolvers.images.models import ImageRecord
    from resolvers.profiles.repository import ProfileRepository


class Avatars(Protocol):
    """Attaching uploaded images (resolvers.images.service.Attachments)."""

    def check(
        self, caller_id: str, key: str, purpose: ImagePurpose, target: str, label: str
    ) -> ImageRecord: ...

    def attach(self, record: ImageRecord, target: str, label: str) -> None: ...

    def settle(self, key: str) -> None: ...

    def release(self, owner_id: str, key: str) -> None: ...


def new_profile_for(caller: Caller) -> Profile:
    now = aws_datetime(utc_now())
    return Profile(
        id=caller.require_user(),
        display_name=default_display_name(caller),
        bio=None,
        avatar_url=None,
        email=caller.email,
        created_at=now,
        updated_at=now,
    )


def me(profiles: ProfileRepository, caller: Caller) -> Profile:
    """The caller's profile, created from the token's claims on the first call."""
    user_id = caller.require_user()
    found = profiles.get(user_id)
    if found is not None:
        return found
    profiles.create_if_missing(new_profile_for(caller))
    # Read back rather than trust our copy: a concurrent first call may have won the create.
    created = profiles.get(user_id)
    if created is None:  # pragma: no cover - the conditional put guarantees an item exists
        raise RuntimeError("profile vanished right after creation")
    return created


def ensure_profile(profiles: ProfileRepository, caller: Caller) -> None:
    """Make sure an author who writes before ever calling `me` still has a profile."""
    if caller.mode in {AuthMode.COGNITO, AuthMode.OIDC} and caller.user_id:
        profiles.create_if_missing(new_profile_for(caller))


def update_my_profile(
    profiles: ProfileRepository,
    caller: Caller,
    changes: ProfileChanges,
    avatars: Avatars | None = None,
) -> Profile:
    if "avatar_key" not in changes.values or avatars is None:
        if "avatar_key" in changes.values:
            raise ValidationError("Avatars are not available here.")
        return profiles.upsert(new_profile_for(caller), changes.values)
    user_id = caller.require_user()
    new = changes.values["avatar_key"]
    previous = profiles.get(user_id)
    old = previous.avatar_key if previous else None
    if new is not None and new != old:
        target = profile_target(user_id)
        record = avatars.check(user_id, new, ImagePurpose.AVATAR, target, "avatarKey")
        # Attached first: if the profile write then fails, a retry attaches the same key again.
        avatars.attach(record, target, "avatarKey")
    updated = profiles.upsert(new_profile_for(caller), changes.values)
    if new is not None and new != old:
        avatars.settle(new)
    if old is not None and old != new:
        avatars.release(user_id, old)
    return updated


def profiles_in_order(
    profiles: ProfileRepository, ids: Sequence[str | None]
) -> list[Profile | None]:
    """One lookup for a whole batch; each position gets its profile or None."""
    found = profiles.get_many([user_id for user_id in ids if user_id])
    return [found.get(user_id) if user_id else None for user_id in ids]
