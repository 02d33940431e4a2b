"""Potluck's live comments through the devserver: a Cognito subscriber, and a 200-way fan-out."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
from gql import Client
from gql.transport.appsync_auth import AppSyncJWTAuthentication
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport
from gql.transport.exceptions import TransportServerError

from tests.e2e.potluck_target import LOCAL_API_KEY, LocalTarget, Target, local_target, user
from tests.e2e.realtime_client import Collector, RealtimeClient, realtime, subscriptions_reach
from tests.e2e.running_server import RunningServer

CREATE = "mutation($input: CreateRecipeInput!) { createRecipe(input: $input) { id } }"
ADD_COMMENT = (
    "mutation($r: ID!, $b: String!) { addComment(recipeId: $r, body: $b) { id recipeId body } }"
)
ON_COMMENT = "subscription($r: ID) { onCommentAdded(recipeId: $r) { id recipeId body } }"
RECIPE = {
    "title": "Focaccia",
    "ingredients": [{"name": "flour", "quantity": 500, "unit": "g"}],
    "steps": ["Mix.", "Proof.", "Bake."],
    "servings": 8,
    "prepMinutes": 30,
    "cookMinutes": 25,
}


@pytest.fixture(scope="module")
def potluck(app_stack, tmp_path_factory) -> Iterator[LocalTarget]:
    # Always the devserver: these tests read its subscription registry to know when to publish.
    with local_target(app_stack, tmp_path_factory.mktemp("potluck-auth")) as target:
        yield target


def server_of(target: LocalTarget) -> RunningServer:
    return target.server


def graphql(target: Target, query: str, variables: dict[str, Any], who: str) -> dict[str, Any]:
    body = target.post(query, variables, user(who)).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def new_recipe(target: Target, cook: str) -> str:
    return str(graphql(target, CREATE, {"input": RECIPE}, cook)["createRecipe"]["id"])


def test_a_cognito_user_subscribes_with_a_jwt(potluck) -> None:
    server = server_of(potluck)
    recipe = new_recipe(potluck, "cook")

    async def scenario() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        # GIVEN a signed-in fan subscribed with gql's JWT authentication
        host = server.base_url.removeprefix("http://")
        auth = AppSyncJWTAuthentication(host=host, jwt=potluck.token(user("fan")))
        transport = AppSyncWebsocketsTransport(url=server.ws_url, auth=auth)
        async with Client(transport=transport) as session:
            watcher = Collector(session, ON_COMMENT, {"r": recipe})
            await subscriptions_reach(server.app.state.devserver.subscriptions.registry, 1)
            # WHEN another user comments over HTTP
            added = await asyncio.to_thread(
                graphql, potluck, ADD_COMMENT, {"r": recipe, "b": "Crispy!"}, "neighbour"
            )
            events = await watcher.wait_for(1)
            await watcher.stop()
            return events, added

    # THEN the fan receives the comment exactly as the mutation selected it
    events, added = asyncio.run(scenario())
    assert events == [{"onCommentAdded": added["addComment"]}]


def test_an_expired_jwt_gets_a_connection_error(potluck) -> None:
    server = server_of(potluck)
    authenticator = server.app.state.devserver.authenticator
    expired = authenticator.mint_token(potluck.user_id("late"), "late", None, (), -60)

    async def scenario() -> None:
        host = server.base_url.removeprefix("http://")
        auth = AppSyncJWTAuthentication(host=host, jwt=expired)
        async with Client(transport=AppSyncWebsocketsTransport(url=server.ws_url, auth=auth)):
            pytest.fail("connected with an expired token")

    # WHEN the handshake's JWT has expired THEN the client fails with AppSync's message
    with pytest.raises(TransportServerError, match=r"Token has expired\."):
        asyncio.run(scenario())


def test_one_comment_reaches_all_200_subscribers_of_its_recipe_and_no_one_else(
    potluck,
) -> None:
    server = server_of(potluck)
    registry = server.app.state.devserver.subscriptions.registry
    watched, other = new_recipe(potluck, "cook"), new_recipe(potluck, "cook")
    header = {"host": server.base_url.removeprefix("http://"), "x-api-key": LOCAL_API_KEY}

    async def subscriber(stack: AsyncExitStack, recipe: str) -> RealtimeClient:
        client = await stack.enter_async_context(realtime(server.ws_url, header))
        await client.init()
        await client.subscribe("c", ON_COMMENT, header, {"r": recipe})
        return client

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with AsyncExitStack() as stack:
            # GIVEN 200 public subscribers on one recipe and 20 on another, one socket each
            fans = await asyncio.gather(*(subscriber(stack, watched) for _ in range(200)))
            others = await asyncio.gather(*(subscriber(stack, other) for _ in range(20)))
            await subscriptions_reach(registry, 220)
            # WHEN one comment is added to the first recipe
            await asyncio.to_thread(
                graphql, potluck, ADD_COMMENT, {"r": watched, "b": "For everyone"}, "fan"
            )
            received = await asyncio.gather(*(fan.receive() for fan in fans))
            # THEN (after a comment on the other recipe) the others' first event is their own
            await asyncio.to_thread(
                graphql, potluck, ADD_COMMENT, {"r": other, "b": "Only here"}, "fan"
            )
            firsts = await asyncio.gather(*(client.receive() for client in others))
            return received, firsts

    received, firsts = asyncio.run(scenario())
    assert {message["payload"]["data"]["onCommentAdded"]["body"] for message in received} == {
        "For everyone"
    }
    assert len(received) == 200
    assert all(message["type"] == "data" and message["id"] == "c" for message in received)
    assert [message["payload"]["data"]["onCommentAdded"]["body"] for message in firsts] == [
        "Only here"
    ] * 20
