"""Profile rules: who sees what, and the profile created on a user's first call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resolvers.clock import aws_datetime, utc_now
from resolvers.identity import AuthMode, Caller
from resolvers.profiles.models import Profile, ProfileChanges, default_display_name

if TYPE_CHECKING:
    from collections.abc import Sequence

    from resolvers.profiles.repository import ProfileRepository


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
    profiles: ProfileRepository, caller: Caller, changes: ProfileChanges
) -> Profile:
    return profiles.upsert(new_profile_for(caller), changes.values)


def profiles_in_order(
    profiles: ProfileRepository, ids: Sequence[str | None]
) -> list[Profile | None]:
    """One lookup for a whole batch; each position gets its profile or None."""
    found = profiles.get_many([user_id for user_id in ids if user_id])
    return [found.get(user_id) if user_id else None for user_id in ids]
