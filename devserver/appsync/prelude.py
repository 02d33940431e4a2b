"""The AppSync prelude: the AWS scalars and `@aws_*` directives that AppSync defines implicitly.

AppSync rejects a schema that declares these itself, so they live here, in code, and are
prepended to the schema text wherever a GraphQL tool needs a complete document.
"""

from __future__ import annotations

AWS_SCALARS = (
    "AWSDate",
    "AWSTime",
    "AWSDateTime",
    "AWSTimestamp",
    "AWSEmail",
    "AWSJSON",
    "AWSURL",
    "AWSPhone",
    "AWSIPAddress",
)

APPSYNC_PRELUDE = "\n".join(
    [
        *(f"scalar {name}" for name in AWS_SCALARS),
        "directive @aws_api_key on FIELD_DEFINITION | OBJECT",
        "directive @aws_iam on FIELD_DEFINITION | OBJECT",
        "directive @aws_oidc on FIELD_DEFINITION | OBJECT",
        "directive @aws_lambda on FIELD_DEFINITION | OBJECT",
        "directive @aws_cognito_user_pools(cognito_groups: [String]) on FIELD_DEFINITION | OBJECT",
        "directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION",
        "directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION",
        "directive @aws_publish(subscriptions: [String]) on FIELD_DEFINITION",
        "",
    ]
)


def with_prelude(schema_sdl: str) -> str:
    """The schema text with the AppSync prelude in front, ready for graphql-core."""
    return f"{APPSYNC_PRELUDE}\n{schema_sdl}"
