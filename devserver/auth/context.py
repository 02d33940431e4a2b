"""What authentication yields: the caller's `AuthContext`, or `Unauthenticated` for a 401."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

API_KEY = "API_KEY"
COGNITO = "AMAZON_COGNITO_USER_POOLS"
AWS_IAM = "AWS_IAM"
AWS_LAMBDA = "AWS_LAMBDA"
OIDC = "OPENID_CONNECT"

# AppSync's 401 messages (semantics §3.3 and §9). Which message AppSync picks for which failure
# is only partly observed; see the package docstring for the choices.
MISSING_CREDENTIALS = "Valid authorization header not provided."
NOT_AUTHORIZED = "You are not authorized to make this call."
EXPIRED_JWT = "Token has expired."


@dataclass(frozen=True)
class AuthContext:
    """The authenticated caller of one request (or one WebSocket connection/subscription)."""

    mode: str
    identity: dict[str, Any] | None
    groups: tuple[str, ...] = ()
    denied_fields: frozenset[str] = field(default_factory=frozenset)


class Unauthenticated(Exception):  # noqa: N818 - the name is the interface the core codes against
    """The request's credentials failed: the whole request is answered with HTTP 401.

    `status` and `error_type` default to AppSync's 401 `UnauthorizedException`; IAM failures can
    carry AWS's own 403 codes when `AuthConfig.iam_error_style` is "aws".
    """

    def __init__(
        self,
        message: str = NOT_AUTHORIZED,
        *,
        error_type: str = "UnauthorizedException",
        status: int = 401,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.status = status

    def response_body(self) -> dict[str, Any]:
        """The JSON body AppSync answers with (also the WebSocket `connection_error` payload)."""
        return {"errors": [{"errorType": self.error_type, "message": self.message}]}


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Header names are case-insensitive; everything below looks them up lower-cased."""
    return {name.lower(): value for name, value in headers.items()}


def source_ips(headers: Mapping[str, str], peer: str) -> list[str]:
    """`identity.sourceIp`: the `x-forwarded-for` chain, then the TCP peer (semantics §3.1)."""
    forwarded = headers.get("x-forwarded-for", "")
    chain = [ip.strip() for ip in forwarded.split(",") if ip.strip()]
    return [*chain, peer]
