"""OPENID_CONNECT mode: JWTs from a configured issuer, checked against its JWKS or the local key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jwt

from devserver.auth.claims import subject
from devserver.auth.context import EXPIRED_JWT, NOT_AUTHORIZED, OIDC, AuthContext, Unauthenticated

if TYPE_CHECKING:
    from devserver.auth.config import OidcSettings
    from devserver.auth.keys import SigningKey


class OidcVerifier:
    """Verifies tokens of one OIDC provider (AppSync allows one OIDC config per API)."""

    def __init__(self, settings: OidcSettings, local_key: SigningKey) -> None:
        self.settings = settings
        self._local_key = local_key
        # Fetched lazily on first use: the default local setup never touches the network.
        self._jwks_client = jwt.PyJWKClient(settings.jwks_uri) if settings.jwks_uri else None

    def mint_token(self, claims: dict[str, Any]) -> str:
        """A token from the local stand-in provider (only meaningful without `jwks_uri`)."""
        return self._local_key.sign({"iss": self.settings.issuer, **claims})

    def authenticate(self, token: str, *, now: float) -> AuthContext:
        claims = self._verified_claims(token)
        if claims["exp"] <= now:
            raise Unauthenticated(EXPIRED_JWT)
        if _older_than(claims.get("auth_time"), self.settings.auth_ttl_ms, now) or _older_than(
            claims.get("iat"), self.settings.iat_ttl_ms, now
        ):
            raise Unauthenticated(EXPIRED_JWT)
        # The key set AppSync gives OIDC callers (Powertools' AppSyncOidcIdentity); whether
        # sourceIp/username also appear is unconfirmed, so they are left out.
        identity = {"sub": subject(claims), "issuer": claims["iss"], "claims": claims}
        return AuthContext(mode=OIDC, identity=identity)

    def _verified_claims(self, token: str) -> dict[str, Any]:
        try:
            key: Any = (
                self._jwks_client.get_signing_key_from_jwt(token).key
                if self._jwks_client
                else self._local_key.private_key.public_key()
            )
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self.settings.issuer,
                audience=self.settings.client_id,
                options={
                    "require": ["exp", "iss", "sub"],
                    "verify_aud": self.settings.client_id is not None,
                    "verify_exp": False,  # checked against the authenticator's clock
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated(NOT_AUTHORIZED) from error
        return claims


def _older_than(timestamp: object, ttl_ms: int, now: float) -> bool:
    if not ttl_ms or not isinstance(timestamp, int | float):
        return False
    return (now - timestamp) * 1000 > ttl_ms
