"""JWT claims read as Cognito issues them, the one way both auth layers read them.

Cognito always issues `sub` as a non-empty string and `cognito:groups` as a list of strings
(left out for users in no group). A claim of any other shape cannot come from the pool, so it
grants nothing: a bad `sub` is a 401, a bad groups claim is no group at all. The resolvers'
`resolvers/identity.py` reads the Lambda event's copy of the same claims by the same rule.
"""

from __future__ import annotations

from typing import Any

from devserver.auth.context import NOT_AUTHORIZED, Unauthenticated


def subject(claims: dict[str, Any]) -> str:
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.strip():
        raise Unauthenticated(NOT_AUTHORIZED)
    return sub


def cognito_groups(claims: dict[str, Any]) -> list[str] | None:
    """The user's groups, or None (AppSync's `identity.groups` for a user in no group)."""
    raw = claims.get("cognito:groups")
    if not isinstance(raw, list):
        return None
    return [group for group in raw if isinstance(group, str)]
