"""A local Cognito user pool: mints RS256 ID/access tokens and verifies them as AppSync does."""

from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING, Any

import jwt

from devserver.auth.claims import cognito_groups, subject
from devserver.auth.config import DEFAULT_REGION, DEFAULT_TOKEN_TTL_SECONDS, CognitoSettings
from devserver.auth.context import (
    COGNITO,
    EXPIRED_JWT,
    NOT_AUTHORIZED,
    AuthContext,
    Unauthenticated,
)
from devserver.auth.keys import SigningKey
from devserver.auth.state import DEFAULT_STATE_DIR

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

_ACCESS_SCOPE = "aws.cognito.signin.user.admin"
_ID_TOKEN = "id"  # noqa: S105 - a token_use value, not a secret
_TOKEN_USES = frozenset({_ID_TOKEN, "access"})
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "sub", "token_use"]


class LocalUserPool:
    """One user pool with one app client, signing with the persisted local key."""

    def __init__(self, settings: CognitoSettings, signing_key: SigningKey) -> None:
        self.settings = settings
        self._key = signing_key
        self._client_pattern = (
            re.compile(settings.app_id_client_regex) if settings.app_id_client_regex else None
        )

    @property
    def issuer(self) -> str:
        return self.settings.issuer

    def jwks(self) -> dict[str, Any]:
        return self._key.jwks()

    def stable_sub(self, username: str) -> str:
        """The same user always gets the same `sub`, so data keyed by it survives new tokens."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.issuer}/{username}"))

    def mint_token(  # noqa: PLR0917 - positional, the signature the playground codes against
        self,
        sub: str,
        username: str,
        email: str | None = None,
        groups: Sequence[str] = (),
        ttl: int = DEFAULT_TOKEN_TTL_SECONDS,
        token_use: str = "id",  # noqa: S107 - "id" | "access", not a secret
        *,
        now: float | None = None,
    ) -> str:
        """A signed token with the claims Cognito puts in an ID (or access) token."""
        if token_use not in _TOKEN_USES:
            raise ValueError("token_use must be 'id' or 'access'")
        issued = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "sub": sub,
            "iss": self.issuer,
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
            "token_use": token_use,
            "auth_time": issued,
            "exp": issued + ttl,
            "iat": issued,
            "jti": str(uuid.uuid4()),
        }
        if groups:  # Cognito leaves the claim out for users in no group
            claims["cognito:groups"] = list(groups)
        if token_use == _ID_TOKEN:
            claims |= {"aud": self.settings.client_id, "cognito:username": username}
            if email is not None:
                claims |= {"email": email, "email_verified": True}
        else:  # access tokens name the client and user differently and carry no profile claims
            claims |= {"client_id": self.settings.client_id, "username": username}
            claims["scope"] = _ACCESS_SCOPE
        return self._key.sign(claims)

    def authenticate(self, token: str, *, source_ip: list[str], now: float) -> AuthContext:
        """AMAZON_COGNITO_USER_POOLS mode: a valid, unexpired token of this pool's app client."""
        claims = self._verified_claims(token)
        if claims["exp"] <= now:
            raise Unauthenticated(EXPIRED_JWT)
        use = claims["token_use"]
        client = claims.get("aud") if use == _ID_TOKEN else claims.get("client_id")
        if use not in _TOKEN_USES or not self._client_allowed(client):
            raise Unauthenticated(NOT_AUTHORIZED)
        groups = cognito_groups(claims)
        identity = {
            "sub": subject(claims),
            "issuer": claims["iss"],
            "username": claims.get("cognito:username", claims.get("username")),
            "claims": claims,
            "sourceIp": source_ip,
            "defaultAuthStrategy": self.settings.default_action,
            "groups": groups,
        }
        return AuthContext(mode=COGNITO, identity=identity, groups=tuple(groups or ()))

    def _verified_claims(self, token: str) -> dict[str, Any]:
        try:
            if jwt.get_unverified_header(token).get("kid") != self._key.kid:
                raise Unauthenticated(NOT_AUTHORIZED)
            # Signature first, then claims; time checks use the authenticator's clock instead.
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key.private_key.public_key(),
                algorithms=["RS256"],
                issuer=self.issuer,
                options={
                    "require": _REQUIRED_CLAIMS,
                    "verify_aud": False,  # access tokens carry client_id instead; checked below
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated(NOT_AUTHORIZED) from error
        if isinstance(claims["exp"], bool) or not isinstance(claims["exp"], int | float):
            raise Unauthenticated(NOT_AUTHORIZED)
        return claims

    def _client_allowed(self, client: object) -> bool:
        if not isinstance(client, str):
            return False
        return self._client_pattern is None or self._client_pattern.fullmatch(client) is not None


def mint_token_for_user(
    user: str,
    *,
    groups: Sequence[str] = (),
    state_dir: Path = DEFAULT_STATE_DIR,
    email: str | None = None,
    ttl: int = DEFAULT_TOKEN_TTL_SECONDS,
    token_use: str = "id",  # noqa: S107 - "id" | "access", not a secret
    cognito: CognitoSettings | None = None,
    region: str = DEFAULT_REGION,
) -> str:
    """A token for `user`, signed with the key under `state_dir` (created if absent).

    The `sub` is derived from the user name, so every token for "alice" is the same user.
    """
    pool = LocalUserPool(
        cognito or CognitoSettings.local(region), SigningKey.load_or_create(state_dir)
    )
    return pool.mint_token(
        pool.stable_sub(user),
        user,
        email if email is not None else f"{user}@example.com",
        groups,
        ttl,
        token_use,
    )
