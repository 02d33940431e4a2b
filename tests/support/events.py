"""The one factory for AppSync Direct Lambda events and Lambda contexts (semantics §1.2, §3.1)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

REGION = "us-east-1"
POOL_ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_LocalPool"


def cognito(
    sub: str,
    username: str | None = None,
    *,
    email: str | None = None,
    groups: Iterable[str] = (),
) -> dict[str, Any]:
    """A Cognito user pools identity as AppSync sends it."""
    group_list = list(groups)
    username = username or f"user-{sub[:8]}"
    claims: dict[str, Any] = {
        "sub": sub,
        "cognito:username": username,
        "iss": POOL_ISSUER,
        "aud": "localclient",
        "token_use": "id",
        "email": email or f"{username}@example.com",
    }
    if group_list:
        claims["cognito:groups"] = group_list
    return {
        "sub": sub,
        "issuer": POOL_ISSUER,
        "username": username,
        "claims": claims,
        "sourceIp": ["127.0.0.1"],
        "defaultAuthStrategy": "ALLOW",
        "groups": group_list or None,
    }


def iam() -> dict[str, Any]:
    """A plain IAM principal (an operator or backend service)."""
    return {
        "accountId": "000000000000",
        "cognitoIdentityPoolId": None,
        "cognitoIdentityId": None,
        "sourceIp": ["127.0.0.1"],
        "username": "AROAEXAMPLE:operator",
        "userArn": "arn:aws:sts::000000000000:assumed-role/operator/operator",
        "cognitoIdentityAuthType": None,
        "cognitoIdentityAuthProvider": None,
    }


def oidc(sub: str) -> dict[str, Any]:
    return {"sub": sub, "issuer": "https://id.example.com", "claims": {"sub": sub}}


def lambda_authorizer(context: Mapping[str, Any]) -> dict[str, Any]:
    return {"resolverContext": dict(context)}


API_KEY = None  # API-key callers have no identity


def event(
    type_name: str,
    field_name: str,
    arguments: Mapping[str, Any] | None = None,
    *,
    identity: Mapping[str, Any] | None = API_KEY,
    source: Mapping[str, Any] | None = None,
    selection: Sequence[str] = ("id",),
    variables: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One Direct Lambda event exactly as AppSync builds it."""
    return {
        "arguments": dict(arguments or {}),
        "identity": None if identity is None else dict(identity),
        "source": None if source is None else dict(source),
        "request": {
            "headers": {"content-type": "application/json", "x-amzn-trace-id": "Root=1-test"},
            "domainName": None,
        },
        "prev": None,
        "info": {
            "fieldName": field_name,
            "parentTypeName": type_name,
            "variables": dict(variables or {}),
            "selectionSetList": list(selection),
            "selectionSetGraphQL": "{\n" + "".join(f"  {name}\n" for name in selection) + "}",
        },
        "stash": {},
    }


def batch(
    type_name: str,
    field_name: str,
    sources: Sequence[Mapping[str, Any]],
    *,
    identity: Mapping[str, Any] | None = API_KEY,
) -> list[dict[str, Any]]:
    """A BatchInvoke payload: one event per parent object, in order."""
    return [event(type_name, field_name, identity=identity, source=source) for source in sources]


@dataclass
class FakeLambdaContext:
    function_name: str = "potluck-api"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:000000000000:function:potluck-api"
    log_group_name: str = "/aws/lambda/potluck-api"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
