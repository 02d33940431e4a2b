"""Pick the request's auth mode from its credentials and authenticate it, as AppSync does."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import jwt

from devserver.auth.api_key import authenticate_api_key
from devserver.auth.cognito import LocalUserPool
from devserver.auth.config import DEFAULT_TOKEN_TTL_SECONDS, AuthConfig
from devserver.auth.context import (
    API_KEY,
    AWS_IAM,
    AWS_LAMBDA,
    COGNITO,
    MISSING_CREDENTIALS,
    NOT_AUTHORIZED,
    OIDC,
    AuthContext,
    Unauthenticated,
    lower_headers,
    source_ips,
)
from devserver.auth.directives import policy_for
from devserver.auth.iam import ALGORITHM, IamVerifier
from devserver.auth.lambda_authorizer import LambdaAuthorizer
from devserver.auth.oidc import OidcVerifier

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from graphql import GraphQLSchema

    from devserver.auth.directives import DirectivePolicy

logger = logging.getLogger(__name__)

_CREDENTIAL_HEADERS = ("x-api-key", "authorization")


class Authenticator:
    """One per API: turns request headers into an `AuthContext` or raises `Unauthenticated`."""

    def __init__(self, config: AuthConfig, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock = clock
        self.user_pool = LocalUserPool(config.cognito, config.signing_key)
        self._iam = IamVerifier(
            config.iam_principals,
            region=config.region,
            max_skew_seconds=config.iam_max_skew_seconds,
            aws_errors=config.iam_error_style == "aws",
        )
        self._last_policy: tuple[GraphQLSchema, DirectivePolicy] | None = None
        self.oidc = OidcVerifier(config.oidc, config.signing_key) if config.oidc else None
        self._authorizer = (
            LambdaAuthorizer(
                config.lambda_authorizer,
                api_id=config.api_id,
                account_id=config.account_id,
                region=config.region,
            )
            if config.lambda_authorizer and AWS_LAMBDA in config.modes
            else None
        )

    def authenticate(
        self,
        headers: Mapping[str, str],
        *,
        source_ip: str,
        request_context: Mapping[str, Any] | None = None,
        path: str = "/graphql",
        body: bytes = b"",
    ) -> AuthContext:
        """The caller of one request, WebSocket handshake or subscription `start`.

        `request_context` feeds the Lambda authorizer's event (queryString, operationName,
        variables, requestId). `path` and `body` are what a SigV4 signature covers: the GraphQL
        POST body, `{}` at `/graphql/connect`, or a `start` message's `data` string.
        May block for the Lambda authorizer (up to its timeout): call it off the event loop.
        """
        lowered = lower_headers(headers)
        try:
            return self._authenticate(lowered, source_ip, request_context, path, body)
        except Unauthenticated as error:
            # The reason and which headers came, never the credential: keys stay out of logs.
            sent = [name for name in _CREDENTIAL_HEADERS if lowered.get(name, "").strip()]
            logger.info(
                "request not authenticated (%s): %s",
                f"sent {' and '.join(sent)}" if sent else "no x-api-key or Authorization header",
                error.message,
            )
            raise

    def _authenticate(
        self,
        headers: dict[str, str],
        peer: str,
        request_context: Mapping[str, Any] | None,
        path: str,
        body: bytes,
    ) -> AuthContext:
        now = self._clock()
        ips = source_ips(headers, peer)
        if "x-api-key" in headers:
            self._require(API_KEY)
            return authenticate_api_key(headers["x-api-key"], self.config.api_keys, now=now)
        authorization = headers.get("authorization", "").strip()
        if not authorization:
            raise Unauthenticated(MISSING_CREDENTIALS)
        if authorization.startswith(ALGORITHM):
            self._require(AWS_IAM)
            return self._iam.authenticate(headers, path=path, body=body, source_ip=ips, now=now)
        token = _strip_bearer(authorization)
        issuer = _unverified_issuer(token)
        if COGNITO in self.config.modes and issuer == self.user_pool.issuer:
            return self.user_pool.authenticate(token, source_ip=ips, now=now)
        if (
            self.oidc is not None
            and OIDC in self.config.modes
            and issuer == self.oidc.settings.issuer
        ):
            return self.oidc.authenticate(token, now=now)
        if self._authorizer is not None:
            # The authorizer gets the header exactly as sent, `Bearer ` prefix and all.
            return self._authorizer.authenticate(
                authorization, headers=headers, request_context=request_context, now=now
            )
        raise Unauthenticated(MISSING_CREDENTIALS if issuer is None else NOT_AUTHORIZED)

    def _require(self, mode: str) -> None:
        if mode not in self.config.modes:
            raise Unauthenticated(NOT_AUTHORIZED)

    def mint_token(  # noqa: PLR0917 - positional, the signature the playground codes against
        self,
        sub: str,
        username: str,
        email: str | None = None,
        groups: Sequence[str] = (),
        ttl: int = DEFAULT_TOKEN_TTL_SECONDS,
        token_use: str = "id",  # noqa: S107 - "id" | "access", not a secret
    ) -> str:
        """A local Cognito token for the playground's user switcher and tests."""
        return self.user_pool.mint_token(
            sub, username, email, groups, ttl, token_use, now=self._clock()
        )

    def jwks(self) -> dict[str, Any]:
        """The document to serve at `/.well-known/jwks.json`."""
        return self.user_pool.jwks()

    def directive_policy(self, schema: GraphQLSchema) -> DirectivePolicy:
        """Directive rules for `schema` under this API's modes (cached per schema object)."""
        last = self._last_policy
        if last is None or last[0] is not schema:  # the core asks once per resolved field
            last = self._last_policy = (
                schema,
                policy_for(schema, self.config.default_mode, self.config.additional_modes),
            )
        return last[1]

    def field_auth_error(
        self, schema: GraphQLSchema, parent_type: str, field: str, auth: AuthContext
    ) -> str | None:
        return self.directive_policy(schema).error(parent_type, field, auth)


def _strip_bearer(authorization: str) -> str:
    scheme, _, rest = authorization.partition(" ")
    return rest.strip() if scheme.lower() == "bearer" and rest else authorization


def _unverified_issuer(token: str) -> str | None:
    """Only for routing: the token is verified by the mode that claims its issuer."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    issuer = claims.get("iss")
    return issuer if isinstance(issuer, str) else ""
