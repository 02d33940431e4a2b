"""Who is calling: the AppSync `identity` object of every auth mode, reduced to what rules need."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from resolvers.errors import Forbidden

if TYPE_CHECKING:
    from collections.abc import Mapping


class AuthMode(Enum):
    API_KEY = "API_KEY"
    COGNITO = "AMAZON_COGNITO_USER_POOLS"
    IAM = "AWS_IAM"
    OIDC = "OPENID_CONNECT"
    LAMBDA = "AWS_LAMBDA"


@dataclass(frozen=True)
class Caller:
    """The caller as domain rules see it; never built from client-sent ids."""

    mode: AuthMode
    user_id: str | None = None
    username: str | None = None
    email: str | None = None
    display_name: str | None = None
    groups: frozenset[str] = frozenset()

    def is_in(self, group: str) -> bool:
        return group in self.groups

    @property
    def is_operator(self) -> bool:
        """IAM callers are backend services and operators, trusted to moderate."""
        return self.mode is AuthMode.IAM

    def require_user(self) -> str:
        """The signed-in user's id, or Forbidden for anonymous and service callers."""
        if self.user_id is None:
            raise Forbidden("This operation needs a signed-in user.")
        return self.user_id


ANONYMOUS = Caller(mode=AuthMode.API_KEY)


def caller_from_identity(identity: Mapping[str, Any] | None) -> Caller:
    """Map AppSync's per-mode identity shapes (semantics §3.1) to a Caller.

    Powertools guesses the mode from the presence of `sub` alone, which reads OIDC as Cognito and
    Lambda-authorizer identities as IAM, so the shapes are told apart here instead.
    """
    if not identity:
        return ANONYMOUS
    if "resolverContext" in identity:
        return _from_lambda_authorizer(identity["resolverContext"] or {})
    if "sub" in identity:
        return _from_jwt(identity)
    return Caller(mode=AuthMode.IAM, username=_str_or_none(identity.get("username")))


def _from_jwt(identity: Mapping[str, Any]) -> Caller:
    claims: Mapping[str, Any] = identity.get("claims") or {}
    is_cognito = "cognito-idp." in str(identity.get("issuer") or claims.get("iss") or "")
    groups = _groups(identity.get("groups")) or _groups(claims.get("cognito:groups"))
    username = identity.get("username") or claims.get("cognito:username") or claims.get("username")
    return Caller(
        mode=AuthMode.COGNITO if is_cognito else AuthMode.OIDC,
        user_id=_subject(identity["sub"]),
        username=_str_or_none(username),
        email=_str_or_none(claims.get("email")),
        display_name=_str_or_none(claims.get("name") or claims.get("preferred_username")),
        groups=groups,
    )


def _from_lambda_authorizer(context: Mapping[str, Any]) -> Caller:
    # A Lambda authorizer vouches for whatever it puts in resolverContext; `sub` names the user.
    user_id = context.get("sub") or context.get("userId")
    return Caller(
        mode=AuthMode.LAMBDA,
        user_id=_subject(user_id),
        username=_str_or_none(context.get("username")),
        groups=_groups(context.get("groups")),
    )


# Claims count only in the shape Cognito issues them, the rule devserver/auth/claims.py applies
# before a request reaches us: a non-empty string `sub`, and groups as a list of strings. Anything
# else cannot come from the pool, so it names no user and grants no group.


def _subject(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _groups(value: object) -> frozenset[str]:
    if not isinstance(value, list):
        return frozenset()
    return frozenset(group for group in value if isinstance(group, str))


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)
