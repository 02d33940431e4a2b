"""What local handlers get in place of a Lambda role: credentials the local API accepts.

In the cloud a function signs calls back into AppSync with its role's credentials, which the
runtime exports as AWS_ACCESS_KEY_ID and friends. Locally the handlers get the local IAM
principal's credentials in the same variables (moto and the local Data API accept any), and the
API's own URL, so the same code can sign an IAM request to the devserver.
"""

from __future__ import annotations

from devserver.auth.config import DEFAULT_IAM_PRINCIPAL, IamPrincipal

GRAPHQL_URL_ENV = "APPSYNC_GRAPHQL_URL"


def handler_role_env(
    graphql_url: str, principal: IamPrincipal = DEFAULT_IAM_PRINCIPAL
) -> dict[str, str]:
    credentials = principal.credentials
    env = {
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
        GRAPHQL_URL_ENV: graphql_url,
    }
    if credentials.session_token:
        env["AWS_SESSION_TOKEN"] = credentials.session_token
    return env
