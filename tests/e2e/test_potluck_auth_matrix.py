"""Each auth mode against each class of operation: allowed, or refused in AppSync's shape.

Requests go through gql, except where the HTTP status itself is under test.
"""

from __future__ import annotations

import base64
import json

import pytest

from tests.e2e.potluck_target import API_KEY, IAM, NONE, Auth, Target, user

PUBLIC_QUERY = "{ recipes(limit: 1) { items { id title author { displayName } } } }"
ME = "{ me { id } }"
CREATE = (
    'mutation { createRecipe(input: {title: "Matrix soup", ingredients: [{name: "water"}],'
    ' steps: ["Boil."], servings: 1, prepMinutes: 0, cookMinutes: 1}) { id } }'
)
UNAUTHORIZED = "You are not authorized to make this call."

ALICE = user("alice")
ADMIN = user("root", "admins")


@pytest.mark.parametrize("auth", [API_KEY, ALICE, ADMIN, IAM], ids=lambda a: a.mode + a.user)
def test_everyone_with_credentials_reads_public_queries(api: Target, auth: Auth) -> None:
    response = api.post(PUBLIC_QUERY, None, auth)
    assert response.status_code == 200
    assert "errors" not in response.json()


@pytest.mark.parametrize("query", [PUBLIC_QUERY, ME, CREATE])
def test_no_credentials_is_a_401(api: Target, query: str) -> None:
    # GIVEN a request with no credentials at all
    response = api.post(query, None, NONE)
    # THEN AppSync answers 401 UnauthorizedException before running anything
    assert response.status_code == 401
    assert response.json()["errors"][0]["errorType"] == "UnauthorizedException"


@pytest.mark.parametrize(
    ("auth", "query", "field"),
    [
        (API_KEY, ME, "me"),
        (IAM, ME, "me"),
        (API_KEY, CREATE, "createRecipe"),
        (IAM, CREATE, "createRecipe"),
    ],
)
def test_modes_without_a_directive_get_field_unauthorized(
    api: Target, auth: Auth, query: str, field: str
) -> None:
    # WHEN the API key or IAM calls a Cognito-only field
    body = api.execute(query, None, auth)
    # THEN the field is null with AppSync's per-field Unauthorized error
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["errorType"] == "Unauthorized"
    owner = "Query" if field == "me" else "Mutation"
    assert error["message"] == f"Not Authorized to access {field} on type {owner}"
    assert error["path"] == [field]


@pytest.mark.parametrize("auth", [ALICE, ADMIN])
def test_signed_in_users_may_create_and_read_me(api: Target, auth: Auth) -> None:
    assert "errors" not in api.execute(ME, None, auth)
    assert "errors" not in api.execute(CREATE, None, auth)


def test_delete_matrix(api: Target) -> None:
    delete = "mutation($id: ID!) { deleteRecipe(id: $id) { id } }"

    def fresh() -> str:
        return str(api.execute(CREATE, None, ALICE)["data"]["createRecipe"]["id"])

    outcomes: dict[str, str | None] = {}
    for name, auth in {
        "api_key": API_KEY,
        "other": user("mallory"),
        "author": ALICE,
        "admin": ADMIN,
        "iam": IAM,
    }.items():
        errors = api.execute(delete, {"id": fresh()}, auth).get("errors")
        outcomes[name] = errors[0]["errorType"] if errors else None
    assert outcomes == {
        "api_key": "Unauthorized",
        "other": "Forbidden",
        "author": None,
        "admin": None,
        "iam": None,
    }


def test_forged_token_is_a_401(api: Target) -> None:
    # GIVEN a real user's token whose claims were edited after signing (made an admin)
    header, payload, signature = api.token(ALICE).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["cognito:groups"] = ["admins"]
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    # WHEN it is presented
    response = api.post_with_headers(
        PUBLIC_QUERY, {"authorization": f"{header}.{edited}.{signature}"}
    )
    # THEN the signature no longer holds and the request is refused outright
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == UNAUTHORIZED
