"""The e2e suite's deployed-stack switch (scripts/smoke), against moto's Cognito.

Nothing else runs this path before a real deploy, so a slip here would only show up there.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from tests.e2e.potluck_target import API_KEY, DeployedTarget, user

URL = "https://abc123.appsync-api.eu-west-1.amazonaws.com/graphql"
REALTIME_URL = "wss://abc123.appsync-realtime-api.eu-west-1.amazonaws.com/graphql"


@pytest.fixture
def cognito(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[object, dict[str, str]]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("cognito-idp", region_name="eu-west-1")
        pool = client.create_user_pool(PoolName="potluck-dev")["UserPool"]["Id"]
        app = client.create_user_pool_client(
            UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        client.create_group(UserPoolId=pool, GroupName="admins")
        env = {
            "POTLUCK_E2E_URL": URL,
            "POTLUCK_E2E_REALTIME_URL": REALTIME_URL,
            "POTLUCK_E2E_API_KEY": "da2-deployedkey",
            "POTLUCK_E2E_REGION": "eu-west-1",
            "POTLUCK_E2E_USER_POOL_ID": pool,
            "POTLUCK_E2E_USER_POOL_CLIENT_ID": app,
        }
        yield client, env


def test_each_test_user_is_a_real_cognito_user_with_its_groups(cognito) -> None:
    client, env = cognito
    target = DeployedTarget(env, "run1")

    # WHEN the suite asks for an admin's token, and then for the same user's id
    token = target.token(user("root", "admins"))
    sub = target.user_id("root")

    # THEN the user exists in the pool, confirmed and in `admins`, and is reused, not recreated
    users = client.list_users(UserPoolId=env["POTLUCK_E2E_USER_POOL_ID"])["Users"]
    assert [u["Username"] for u in users] == ["e2e-root-run1@example.com"]
    assert users[0]["UserStatus"] == "CONFIRMED"
    groups = client.admin_list_groups_for_user(
        UserPoolId=env["POTLUCK_E2E_USER_POOL_ID"], Username="e2e-root-run1@example.com"
    )["Groups"]
    assert [g["GroupName"] for g in groups] == ["admins"]
    assert target.token(user("root", "admins")) == token
    attributes = {a["Name"]: a["Value"] for a in users[0]["Attributes"]}
    assert sub == attributes["sub"]


def test_realtime_handshakes_name_the_appsync_host(cognito) -> None:
    _, env = cognito
    target = DeployedTarget(env, "run2")

    # WHEN the real-time headers are built for the API key and for a user
    public = target.realtime_header(API_KEY)
    signed_in = target.realtime_header(user("fan"))

    # THEN they carry the GraphQL host, as AppSync's handshake requires, and the credential
    host = "abc123.appsync-api.eu-west-1.amazonaws.com"
    assert target.realtime_url == REALTIME_URL
    assert public == {"host": host, "x-api-key": "da2-deployedkey"}
    assert signed_in == {"host": host, "Authorization": target.token(user("fan"))}


class _RecordingTarget(DeployedTarget):
    """A deployed target whose GraphQL calls are answered here: one page of two recipes."""

    def __init__(self, env: dict[str, str], run_id: str) -> None:
        super().__init__(env, run_id)
        self.pages = [["r1", "r2"], []]
        self.deleted: list[tuple[str, str]] = []

    def execute(self, query, variables, auth):
        if "deleteRecipe" in query:
            self.deleted.append((variables["id"], auth.user))
            return {"data": {"deleteRecipe": {"id": variables["id"]}}}
        items = [{"id": recipe_id} for recipe_id in self.pages.pop(0)]
        return {"data": {"recipesByAuthor": {"items": items}}}


def test_close_removes_the_runs_recipes_profiles_and_users(cognito) -> None:
    # GIVEN a run that made an admin who wrote two recipes and has a profile
    client, env = cognito
    dynamodb = boto3.client("dynamodb", region_name="eu-west-1")
    dynamodb.create_table(
        TableName="profiles",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    target = _RecordingTarget({**env, "POTLUCK_E2E_PROFILES_TABLE": "profiles"}, "run3")
    sub = target.user_id("boss")
    target.token(user("boss", "admins"))
    dynamodb.put_item(TableName="profiles", Item={"id": {"S": sub}})

    # WHEN the run closes
    leftovers = target.close()

    # THEN its recipes were deleted through the API by their author, its profile and its user
    # are gone
    assert leftovers == []
    assert target.deleted == [("r1", "boss"), ("r2", "boss")]
    assert dynamodb.scan(TableName="profiles")["Items"] == []
    assert client.list_users(UserPoolId=env["POTLUCK_E2E_USER_POOL_ID"])["Users"] == []
