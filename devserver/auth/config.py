"""Auth settings: the API's modes from the wiring plus the local stand-ins for AWS identities."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devserver.auth.api_key import ApiKey, load_or_create_api_key
from devserver.auth.context import API_KEY, AWS_LAMBDA, COGNITO, OIDC
from devserver.auth.keys import SigningKey
from wiring import AUTH_MODES

if TYPE_CHECKING:
    from pathlib import Path

    from wiring import ApiConfig

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"  # the placeholder account moto and the AWS docs use
DEFAULT_API_ID = "devserverlocalapi000000000"  # 26 characters, like a real AppSync API id
DEFAULT_USER_POOL_NAME = "devserver"  # pool id becomes "<region>_devserver"
DEFAULT_CLIENT_ID = "devserverlocalclient000000"  # 26 characters, like a Cognito app client id
DEFAULT_TOKEN_TTL_SECONDS = 3600  # Cognito's default ID/access token validity

# Local-only fake IAM user, in the spirit of moto's "testing" keys: it opens nothing on AWS.
DEFAULT_ACCESS_KEY_ID = "AKIALOCALDEVSERVER01"
DEFAULT_SECRET_ACCESS_KEY = "LocalDevServerSecretKeyNotForAws00000000"  # noqa: S105 - local fake
DEFAULT_IAM_USERNAME = "AIDALOCALDEVOPERATOR"  # AppSync reports the principal id, not the name
DEFAULT_IAM_USER_NAME = "local-operator"

AuthorizerFunction = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class CognitoSettings:
    """The local user pool that stands in for Cognito (pool id, app client, issuer)."""

    region: str = DEFAULT_REGION
    user_pool_id: str = f"{DEFAULT_REGION}_{DEFAULT_USER_POOL_NAME}"
    client_id: str = DEFAULT_CLIENT_ID
    # AppSync's `appIdClientRegex`: None accepts tokens of any app client of the pool. The local
    # default pins the one local client so a token minted for another audience is refused.
    app_id_client_regex: str | None = re.escape(DEFAULT_CLIENT_ID)
    default_action: str = "ALLOW"  # the pool config's defaultAction → identity.defaultAuthStrategy

    @classmethod
    def local(cls, region: str = DEFAULT_REGION) -> CognitoSettings:
        return cls(region=region, user_pool_id=f"{region}_{DEFAULT_USER_POOL_NAME}")

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"


@dataclass(frozen=True)
class IamCredentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class IamPrincipal:
    """Credentials the local server accepts, and who AppSync would say signed with them."""

    credentials: IamCredentials
    account_id: str
    user_arn: str
    username: str


DEFAULT_IAM_PRINCIPAL = IamPrincipal(
    credentials=IamCredentials(DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY),
    account_id=DEFAULT_ACCOUNT_ID,
    user_arn=f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:user/{DEFAULT_IAM_USER_NAME}",
    username=DEFAULT_IAM_USERNAME,
)


@dataclass(frozen=True)
class LambdaAuthorizerSettings:
    """AppSync's LambdaAuthorizerConfig, with a Python function in place of the Lambda ARN.

    `handler` is an import path (`package.module:function` or `package.module.function`) or the
    function itself. `result_ttl_seconds` defaults to 0 as the current AppSync API reference
    says; CDK's construct and older CloudFormation text default to 300, so match whatever infra
    deploys.
    """

    handler: str | AuthorizerFunction
    result_ttl_seconds: int = 0
    identity_validation_expression: str | None = None
    timeout_seconds: float = 10.0  # AppSync's authorizer timeout

    def __post_init__(self) -> None:
        if not 0 <= self.result_ttl_seconds <= 3600:  # noqa: PLR2004 - AppSync's documented range
            raise ValueError("result_ttl_seconds must be 0..3600")


@dataclass(frozen=True)
class OidcSettings:
    """AppSync's OpenIDConnectConfig; without `jwks_uri` tokens are checked with the local key."""

    issuer: str
    client_id: str | None = None
    jwks_uri: str | None = None
    auth_ttl_ms: int = 0  # 0: no limit on the age of `auth_time`
    iat_ttl_ms: int = 0  # 0: no limit on the age of `iat`


@dataclass(frozen=True)
class AuthConfig:
    """Everything the authenticator needs; build it with `from_api_config` in the server."""

    default_mode: str
    signing_key: SigningKey = field(repr=False)
    additional_modes: tuple[str, ...] = ()
    api_keys: tuple[ApiKey, ...] = field(default=(), repr=False)
    cognito: CognitoSettings = field(default_factory=CognitoSettings)
    iam_principals: tuple[IamPrincipal, ...] = (DEFAULT_IAM_PRINCIPAL,)
    lambda_authorizer: LambdaAuthorizerSettings | None = None
    oidc: OidcSettings | None = None
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT_ID
    api_id: str = DEFAULT_API_ID
    # "appsync": IAM failures are 401 UnauthorizedException like every other mode. "aws": the
    # 403 InvalidSignatureException / UnrecognizedClientException seen from real AppSync.
    iam_error_style: str = "appsync"
    iam_max_skew_seconds: int = 300  # SigV4's ±5 minutes

    def __post_init__(self) -> None:
        unknown = set(self.modes) - AUTH_MODES
        if unknown:
            raise ValueError(f"unknown auth modes: {', '.join(sorted(unknown))}")
        if AWS_LAMBDA in self.modes and self.lambda_authorizer is None:
            raise ValueError("AWS_LAMBDA is enabled but no lambda_authorizer is configured")
        if OIDC in self.modes and self.oidc is None:
            raise ValueError("OPENID_CONNECT is enabled but no oidc settings are configured")
        if self.iam_error_style not in {"appsync", "aws"}:
            raise ValueError("iam_error_style must be 'appsync' or 'aws'")

    @property
    def modes(self) -> frozenset[str]:
        return frozenset((self.default_mode, *self.additional_modes))

    @property
    def cognito_is_sole_mode(self) -> bool:
        return self.modes == {COGNITO}

    @classmethod
    def from_api_config(
        cls,
        api: ApiConfig,
        state_dir: Path,
        *,
        region: str = DEFAULT_REGION,
        api_key: str | None = None,
        iam_principals: tuple[IamPrincipal, ...] = (DEFAULT_IAM_PRINCIPAL,),
        lambda_authorizer: LambdaAuthorizerSettings | None = None,
        oidc: OidcSettings | None = None,
        cognito: CognitoSettings | None = None,
        iam_error_style: str = "appsync",
        now: float | None = None,
    ) -> AuthConfig:
        """The server's config: modes from the wiring, keys persisted under `state_dir`.

        The signing key (and the API key, unless `api_key` pins one) live in `state_dir`, so
        tokens minted by `python -m devserver.auth.token` verify on the running server.
        """
        modes = set(api.auth_modes)
        keys: tuple[ApiKey, ...] = ()
        if API_KEY in modes:
            keys = (
                load_or_create_api_key(state_dir, api.api_key_expiry_days, value=api_key, now=now),
            )
        return cls(
            default_mode=api.default_auth,
            additional_modes=api.additional_auth,
            signing_key=SigningKey.load_or_create(state_dir),
            api_keys=keys,
            cognito=cognito or CognitoSettings.local(region),
            iam_principals=iam_principals,
            lambda_authorizer=lambda_authorizer,
            oidc=oidc,
            region=region,
            iam_error_style=iam_error_style,
        )
