"""Who the playground can call as: the API key, sample users, any user, and the local IAM user.

Every credential is made on the server: tokens are minted with the server's own signing key,
and IAM requests are signed here with the local credentials (the browser has no SigV4 signer),
so the page never holds a long-lived secret and needs no crypto library.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from devserver.auth import API_KEY, AWS_IAM, COGNITO, LocalUserPool, sign_request

if TYPE_CHECKING:
    from collections.abc import Sequence

    from devserver.auth import AuthConfig
    from devserver.local.project import SampleUser

SIGN_PATH = "/playground/sign"
# The only paths the signer signs: an HTTP operation and the real-time handshake.
SIGNABLE_PATHS = frozenset({"/graphql", "/graphql/connect"})
NO_AUTH = "none"


@dataclass(frozen=True)
class Identity:
    """One entry of the switcher; `headers` are sent as-is, `sign` names the signing endpoint."""

    id: str
    label: str
    mode: str | None
    headers: dict[str, str] | None = None
    sign: str | None = None
    expires_at: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "mode": self.mode,
            "headers": self.headers,
            "sign": self.sign,
            "expiresAt": self.expires_at,
        }


def mint_token(
    config: AuthConfig, username: str, groups: Sequence[str], *, ttl: int, now: float
) -> str:
    """An ID token for `username`, signed with the server's own key (the sub is stable)."""
    pool = LocalUserPool(config.cognito, config.signing_key)
    email = f"{username}@example.com"  # what `python -m devserver.auth.token` puts in, too
    return pool.mint_token(pool.stable_sub(username), username, email, groups, ttl, now=now)


def user_identity(
    config: AuthConfig,
    username: str,
    groups: Sequence[str],
    *,
    label: str,
    ttl: int,
    now: float,
) -> Identity:
    return Identity(
        id=f"user:{username}",
        label=label,
        mode=COGNITO,
        headers={"authorization": mint_token(config, username, groups, ttl=ttl, now=now)},
        expires_at=int(now) + ttl,
    )


def identities(
    config: AuthConfig,
    users: Sequence[SampleUser],
    *,
    ttl: int,
    now: float | None = None,
) -> list[Identity]:
    """Every identity the API's auth modes allow, in switcher order."""
    moment = time.time() if now is None else now
    found: list[Identity] = []
    if API_KEY in config.modes and config.api_keys:
        key = config.api_keys[0].id
        found.append(Identity("api-key", "API key", API_KEY, headers={"x-api-key": key}))
    if COGNITO in config.modes:
        found.extend(
            user_identity(config, user.username, user.groups, label=user.label, ttl=ttl, now=moment)
            for user in users
        )
    if AWS_IAM in config.modes and config.iam_principals:
        principal = config.iam_principals[0]
        name = principal.user_arn.rpartition("/")[2] or principal.username
        found.append(Identity("iam", f"IAM ({name})", AWS_IAM, sign=SIGN_PATH))
    # For modes the switcher cannot fill in (Lambda, OIDC): the Headers tab alone decides.
    found.append(Identity(NO_AUTH, "None (Headers tab only)", None, headers={}))
    return found


def default_identity(found: Sequence[Identity]) -> str:
    """The API key when there is one: the example query then works for anyone, signed in or not."""
    return found[0].id if found else NO_AUTH


def signed_headers(config: AuthConfig, *, host: str, path: str, body: str) -> dict[str, str]:
    """SigV4 headers for `POST http://<host><path>` with `body`: host, x-amz-date, authorization.

    Only `host` and `x-amz-date` are signed. Over HTTP the browser sends `host` itself (it may
    not set it); a WebSocket `connection_init` payload must carry it.
    """
    if path not in SIGNABLE_PATHS:
        raise ValueError(f"only {sorted(SIGNABLE_PATHS)} are signed")
    principal = config.iam_principals[0]
    return sign_request(
        f"http://{host}{path}", body.encode(), {}, principal.credentials, config.region
    )
