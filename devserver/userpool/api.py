"""The local user pool's sign-in API: Cognito's `InitiateAuth` wire protocol, for Amplify and co.

Amplify's `signIn` (with `authFlowType: 'USER_PASSWORD_AUTH'`) and its token refresh POST to
`Auth.Cognito.userPoolEndpoint` with `x-amz-target: AWSCognitoIdentityProviderService.<Action>`.
Pointing that setting here is the only change a frontend needs to sign in locally.

- The local pool checks no password (as the playground mints tokens without one): any user name
  signs in, and the project's sample users get their groups.
- It hands out credentials, so it answers loopback clients that address a loopback name only,
  and lets only pages served from a loopback origin read its answers.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jwt
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from devserver.auth.cognito import LocalUserPool
from devserver.playground.identities import is_local_request

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from starlette.requests import Request

    from devserver.auth.config import AuthConfig
    from devserver.project import SampleUser

USER_POOL_PATH = "/cognito"
TOKEN_TTL_SECONDS = 3600  # Cognito's default for ID and access tokens
REFRESH_TTL_SECONDS = 30 * 24 * 3600  # Cognito's default refresh-token validity
_TARGET_PREFIX = "AWSCognitoIdentityProviderService."
_CONTENT_TYPE = "application/x-amz-json-1.1"
_REFRESH_USE = "refresh"
_USERNAME_MAX = 128


class CognitoError(Exception):
    """One of Cognito's error answers: HTTP 400, `__type` in the body and `x-amzn-ErrorType`."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


def user_pool_routes(sample_users: Sequence[SampleUser]) -> tuple[Route, ...]:
    """`POST /cognito` (with its CORS preflight), to mount beside the API."""
    groups = {user.username: user.groups for user in sample_users}

    async def endpoint(request: Request) -> Response:
        client = request.client.host if request.client else None
        origin = request.headers.get("origin")
        if not is_local_request(client, request.url.hostname) or not _loopback_origin(origin):
            return JSONResponse({"error": "the local user pool answers loopback clients only"}, 403)
        if request.method == "OPTIONS":
            requested = request.headers.get("access-control-request-headers", "content-type")
            return Response(status_code=204, headers=_cors(origin, requested=requested))
        config: AuthConfig = request.app.state.devserver.authenticator.config
        try:
            action = request.headers.get("x-amz-target", "").removeprefix(_TARGET_PREFIX)
            body = _json_object(await request.body())
            answer = _dispatch(action, body, config, groups, now=time.time())
        except CognitoError as error:
            payload = {"__type": error.error_type, "message": error.message}
            headers = {"x-amzn-errortype": error.error_type, **_cors(origin)}
            return _answer(payload, headers, status=400)
        return _answer(answer, _cors(origin), status=200)

    return (Route(USER_POOL_PATH, endpoint, methods=["POST", "OPTIONS"]),)


def _dispatch(
    action: str,
    body: Mapping[str, Any],
    config: AuthConfig,
    groups: Mapping[str, tuple[str, ...]],
    *,
    now: float,
) -> dict[str, Any]:
    if action == "RevokeToken":  # sign-out: local refresh tokens simply run out
        return {}
    if action != "InitiateAuth":
        raise CognitoError("UnknownOperationException", f"the local user pool has no {action!r}")
    if body.get("ClientId") != config.cognito.client_id:
        raise CognitoError("ResourceNotFoundException", "User pool client does not exist.")
    flow = body.get("AuthFlow")
    parameters = body.get("AuthParameters")
    if not isinstance(parameters, dict):
        raise CognitoError("InvalidParameterException", "AuthParameters is required.")
    pool = LocalUserPool(config.cognito, config.signing_key)
    if flow == "USER_PASSWORD_AUTH":
        username = _username(parameters.get("USERNAME"))
        if not isinstance(parameters.get("PASSWORD"), str) or not parameters["PASSWORD"]:
            raise CognitoError("InvalidParameterException", "PASSWORD is required.")
        user_groups = groups.get(username, ())
        refresh = _refresh_token(config, pool, username, user_groups, now=now)
        return _authenticated(pool, username, user_groups, now=now, refresh=refresh)
    if flow in {"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"}:
        username, user_groups = _refreshed(config, parameters.get("REFRESH_TOKEN"), now=now)
        return _authenticated(pool, username, user_groups, now=now, refresh=None)
    raise CognitoError("InvalidParameterException", f"the local user pool has no {flow!r} flow.")


def _authenticated(
    pool: LocalUserPool,
    username: str,
    groups: Sequence[str],
    *,
    now: float,
    refresh: str | None,
) -> dict[str, Any]:
    sub = pool.stable_sub(username)
    email = f"{username}@example.com"  # what the playground and `token` put in, too
    result: dict[str, Any] = {
        "AccessToken": pool.mint_token(
            sub, username, None, groups, TOKEN_TTL_SECONDS, "access", now=now
        ),
        "IdToken": pool.mint_token(sub, username, email, groups, TOKEN_TTL_SECONDS, "id", now=now),
        "ExpiresIn": TOKEN_TTL_SECONDS,
        "TokenType": "Bearer",
    }
    if refresh is not None:
        result["RefreshToken"] = refresh
    return {"AuthenticationResult": result, "ChallengeParameters": {}}


def _refresh_token(
    config: AuthConfig, pool: LocalUserPool, username: str, groups: Sequence[str], *, now: float
) -> str:
    """Signed like the other tokens, but with a `token_use` the API refuses as a credential."""
    issued = int(now)
    claims = {
        "iss": pool.issuer,
        "sub": pool.stable_sub(username),
        "username": username,
        "groups": list(groups),
        "token_use": _REFRESH_USE,
        "iat": issued,
        "exp": issued + REFRESH_TTL_SECONDS,
    }
    return config.signing_key.sign(claims)


def _refreshed(config: AuthConfig, token: object, *, now: float) -> tuple[str, tuple[str, ...]]:
    invalid = CognitoError("NotAuthorizedException", "Invalid Refresh Token")
    if not isinstance(token, str):
        raise invalid
    try:
        claims = jwt.decode(
            token,
            config.signing_key.private_key.public_key(),
            algorithms=["RS256"],
            issuer=config.cognito.issuer,
            options={"require": ["exp", "username", "token_use"], "verify_exp": False},
        )
    except jwt.PyJWTError as error:
        raise invalid from error
    if claims["token_use"] != _REFRESH_USE or claims["exp"] <= now:
        raise invalid
    groups = claims.get("groups")
    return str(claims["username"]), tuple(str(g) for g in groups) if isinstance(
        groups, list
    ) else ()


def _username(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > _USERNAME_MAX:
        raise CognitoError("InvalidParameterException", "USERNAME is required (1-128 characters).")
    if any(char.isspace() for char in value):
        raise CognitoError("InvalidParameterException", "USERNAME may not contain spaces.")
    return value


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(raw or b"{}")
    except ValueError:
        raise CognitoError("SerializationException", "The request body is not JSON.") from None
    if not isinstance(payload, dict):
        raise CognitoError("SerializationException", "The request body is not a JSON object.")
    return payload


def _loopback_origin(origin: str | None) -> bool:
    """No Origin (Node, curl) or a page served from a loopback name; never a web site's page."""
    if origin is None:
        return True
    host = urlsplit(origin).hostname
    return host is not None and is_local_request("127.0.0.1", host)


def _cors(origin: str | None, *, requested: str | None = None) -> dict[str, str]:
    """Only for loopback origins (checked before): any header they ask for may come along."""
    if origin is None:
        return {}
    headers = {"access-control-allow-origin": origin, "vary": "origin"}
    if requested is not None:
        headers |= {
            "access-control-allow-methods": "POST",
            "access-control-allow-headers": requested,
            "access-control-max-age": "600",
        }
    else:
        headers["access-control-expose-headers"] = "x-amzn-errortype, x-amzn-requestid"
    return headers


def _answer(payload: dict[str, Any], headers: dict[str, str], *, status: int) -> Response:
    return JSONResponse(
        payload,
        status_code=status,
        media_type=_CONTENT_TYPE,
        headers={"cache-control": "no-store", **headers},
    )
