"""AppSync-faithful authentication (API key, Cognito, IAM, Lambda, OIDC) and `@aws_*` authorization.

The core builds one `Authenticator(AuthConfig.from_api_config(wiring.api, state_dir))`, calls
`authenticate(...)` per request (HTTP 401 on `Unauthenticated`), then `field_auth_error(...)` and
`is_denied(...)` per resolved field.

Choices where AppSync's behaviour is unconfirmed (appsync-semantics.md marks them UNCONFIRMED):
- Mode routing: `x-api-key` wins over `Authorization`; `AWS4-HMAC-SHA256 …` is IAM; any other
  `Authorization` value (a `Bearer ` prefix is dropped) that is a JWT whose `iss` is the local
  pool goes to Cognito, one whose `iss` is the OIDC issuer goes to OIDC, and everything else to
  the Lambda authorizer when one is configured. A credential for a mode the API lacks is a 401.
- 401 messages: no credentials, or an `Authorization` value that is not a JWT and has no
  authorizer to go to: "Valid authorization header not provided."; an expired JWT: "Token has
  expired."; every other failure, including an expired or unknown API key and an authorizer
  denial, crash or timeout: "You are not authorized to make this call." (a third-party page
  reports 500 for authorizer crashes; here they are 401s).
- IAM failures are 401 `UnauthorizedException` with AWS's texts by default; real AppSync has been
  seen answering 403 `InvalidSignatureException` / `UnrecognizedClientException`:
  `AuthConfig(iam_error_style="aws")` does that. IAM `identity.username` is the principal id.
- Lambda authorizer: `authorizerResultTtlInSeconds` defaults to 0 (the current API reference;
  CDK defaults to 300). Decisions, denials included, are cached per token only, as AppSync keys
  its cache. `identityValidationExpression` must match the whole token. ARN `deniedFields` are
  normalised to `Type.field` whatever API id they name. The function gets a Lambda-like context.
- `@aws_auth(cognito_groups)` is honoured only when Cognito is the API's sole mode and is
  otherwise ignored, as reported for multi-auth APIs. A pool `defaultAction` of DENY admits
  Cognito users only where a directive lists one of their groups.
- OIDC identity is `{sub, issuer, claims}`; without a `jwks_uri` tokens are checked against the
  local signing key, so local OIDC tokens can be minted.
- Keys live under the state dir (`.local/auth/` by default): `signing-key.pem` (RS256, its kid is
  the JWK thumbprint) and `api-key.json`. An API key found expired at start-up is replaced.
"""

from __future__ import annotations

from devserver.auth.api_key import ApiKey, load_or_create_api_key, new_api_key
from devserver.auth.authenticator import Authenticator
from devserver.auth.cognito import LocalUserPool, mint_token_for_user
from devserver.auth.config import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCOUNT_ID,
    DEFAULT_API_ID,
    DEFAULT_CLIENT_ID,
    DEFAULT_IAM_PRINCIPAL,
    DEFAULT_REGION,
    DEFAULT_SECRET_ACCESS_KEY,
    AuthConfig,
    CognitoSettings,
    IamCredentials,
    IamPrincipal,
    LambdaAuthorizerSettings,
    OidcSettings,
)
from devserver.auth.context import (
    API_KEY,
    AWS_IAM,
    AWS_LAMBDA,
    COGNITO,
    OIDC,
    AuthContext,
    Unauthenticated,
)
from devserver.auth.directives import DirectivePolicy, field_auth_error, is_denied, policy_for
from devserver.auth.iam import sign_request
from devserver.auth.keys import SigningKey
from devserver.auth.state import DEFAULT_STATE_DIR

__all__ = [
    "API_KEY",
    "AWS_IAM",
    "AWS_LAMBDA",
    "COGNITO",
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_ACCOUNT_ID",
    "DEFAULT_API_ID",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_IAM_PRINCIPAL",
    "DEFAULT_REGION",
    "DEFAULT_SECRET_ACCESS_KEY",
    "DEFAULT_STATE_DIR",
    "OIDC",
    "ApiKey",
    "AuthConfig",
    "AuthContext",
    "Authenticator",
    "CognitoSettings",
    "DirectivePolicy",
    "IamCredentials",
    "IamPrincipal",
    "LambdaAuthorizerSettings",
    "LocalUserPool",
    "OidcSettings",
    "SigningKey",
    "Unauthenticated",
    "field_auth_error",
    "is_denied",
    "load_or_create_api_key",
    "mint_token_for_user",
    "new_api_key",
    "policy_for",
    "sign_request",
]
