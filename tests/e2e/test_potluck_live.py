"""Potluck's subscriptions over AppSync's real-time protocol, against the devserver or AppSync.

`scripts/smoke` runs this module against a deployed stack, so every assertion here is documented
AppSync behaviour; the exact texts and close codes AppSync leaves unconfirmed are pinned by the
devserver's own protocol tests instead. Readiness comes from `start_ack`, which AppSync sends once
the subscription is registered, so nothing here peeks into the devserver.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tests.e2e.potluck_target import API_KEY, Auth, Target, user
from tests.e2e.realtime_client import RealtimeClient, realtime
from tests.support.inputs import recipe_input

CREATE = "mutation($input: CreateRecipeInput!) { createRecipe(input: $input) { id authorId } }"
ADD_COMMENT = (
    "mutation($r: ID!, $b: String!) { addComment(recipeId: $r, body: $b) { id recipeId body } }"
)
ON_COMMENT = "subscription($r: ID) { onCommentAdded(recipeId: $r) { id recipeId body } }"
ON_COMMENT_WITH_AUTHOR = (
    "subscription($r: ID) { onCommentAdded(recipeId: $r) { id body author { displayName } } }"
)
ON_RECIPE = "subscription($a: ID) { onRecipeCreated(authorId: $a) { id authorId } }"
# Long enough for a deployed stack's Lambda cold start between the mutation and the event.
EVENT_TIMEOUT = 20.0


def ok(api: Target, query: str, variables: dict[str, Any], auth: Auth) -> dict[str, Any]:
    body = api.post(query, variables, auth).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def mutate(api: Target, query: str, variables: dict[str, Any], auth: Auth) -> dict[str, Any]:
    return await asyncio.to_thread(ok, api, query, variables, auth)


def new_recipe(api: Target, cook: str) -> str:
    return str(ok(api, CREATE, {"input": recipe_input()}, user(cook))["createRecipe"]["id"])


@asynccontextmanager
async def connected(api: Target, auth: Auth) -> AsyncIterator[RealtimeClient]:
    """A real-time connection authenticated as `auth`, past its connection_ack."""
    async with realtime(api.realtime_url, api.realtime_header(auth)) as client:
        ack = await client.init()
        assert ack["type"] == "connection_ack", ack
        yield client


async def next_event(client: RealtimeClient) -> dict[str, Any]:
    message = await client.receive(EVENT_TIMEOUT)
    assert message["type"] == "data", message
    return message


def run(scenario: Any) -> Any:
    return asyncio.run(scenario())


def test_a_public_subscriber_gets_the_comments_of_the_recipe_it_names_and_no_others(
    api: Target,
) -> None:
    soup, bread = new_recipe(api, "cook"), new_recipe(api, "cook")

    async def scenario() -> list[dict[str, Any]]:
        # GIVEN an API-key connection watching comments on two recipes
        async with connected(api, API_KEY) as client:
            header = api.realtime_header(API_KEY)
            await client.subscribe("soup", ON_COMMENT, header, {"r": soup})
            await client.subscribe("bread", ON_COMMENT, header, {"r": bread})
            # WHEN a user comments on the soup, then on the bread
            soup_comment = await mutate(api, ADD_COMMENT, {"r": soup, "b": "Warming"}, user("fan"))
            first = await next_event(client)
            bread_comment = await mutate(api, ADD_COMMENT, {"r": bread, "b": "Crusty"}, user("fan"))
            second = await next_event(client)
            return [soup_comment, first, bread_comment, second]

    soup_comment, first, bread_comment, second = run(scenario)
    # THEN each subscription gets exactly its recipe's comment, as the mutation selected it
    assert first == {
        "type": "data",
        "id": "soup",
        "payload": {"data": {"onCommentAdded": soup_comment["addComment"]}},
    }
    assert second == {
        "type": "data",
        "id": "bread",
        "payload": {"data": {"onCommentAdded": bread_comment["addComment"]}},
    }


def test_a_signed_in_subscriber_follows_one_cook_by_author_id(api: Target) -> None:
    cook = "followed-cook"

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        # GIVEN a signed-in fan who follows one cook's new recipes with a Cognito JWT
        fan = user("follower")
        async with connected(api, fan) as client:
            header = api.realtime_header(fan)
            await client.subscribe("cook", ON_RECIPE, header, {"a": api.user_id(cook)})
            # WHEN someone else publishes a recipe, and then the cook does
            await mutate(api, CREATE, {"input": recipe_input()}, user("someone-else"))
            created = await mutate(api, CREATE, {"input": recipe_input()}, user(cook))
            return created, await next_event(client)

    created, event = run(scenario)
    # THEN the first event the fan receives is the cook's recipe
    assert event["payload"]["data"] == {"onRecipeCreated": created["createRecipe"]}


def test_without_the_argument_a_subscriber_hears_every_recipe(api: Target) -> None:
    recipe = new_recipe(api, "cook")

    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        # GIVEN a subscriber that leaves `recipeId` out
        async with connected(api, API_KEY) as client:
            header = api.realtime_header(API_KEY)
            await client.subscribe("all", ON_COMMENT, header, {})
            # WHEN a comment is added to some recipe
            added = await mutate(api, ADD_COMMENT, {"r": recipe, "b": "Anywhere"}, user("fan"))
            # A shared deployed stage may carry other users' comments too: read until ours.
            heard = [await next_event(client)]
            while heard[-1]["payload"]["data"]["onCommentAdded"]["id"] != added["addComment"]["id"]:
                heard.append(await next_event(client))
            return added, heard

    # THEN it hears that comment
    added, heard = run(scenario)
    assert heard[-1]["payload"]["data"] == {"onCommentAdded": added["addComment"]}


def test_fields_the_mutation_did_not_select_reach_subscribers_as_null(api: Target) -> None:
    recipe = new_recipe(api, "cook")

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        # GIVEN a subscriber asking for the comment's author, which addComment below does not select
        async with connected(api, API_KEY) as client:
            header = api.realtime_header(API_KEY)
            await client.subscribe("c", ON_COMMENT_WITH_AUTHOR, header, {"r": recipe})
            # WHEN the comment is added
            added = await mutate(api, ADD_COMMENT, {"r": recipe, "b": "Where is mine?"}, user("a"))
            return added, await next_event(client)

    # THEN the event carries what the mutation selected, and null for the author
    added, event = run(scenario)
    comment = added["addComment"]
    assert event["payload"]["data"] == {
        "onCommentAdded": {"id": comment["id"], "body": "Where is mine?", "author": None}
    }


def test_a_wrong_api_key_is_refused_at_the_handshake(api: Target) -> None:
    async def scenario() -> dict[str, Any]:
        header = {**api.realtime_header(API_KEY), "x-api-key": "da2-notthekey00000000000000"}
        async with realtime(api.realtime_url, header) as client:
            await client.send({"type": "connection_init"})
            return await client.receive()

    # THEN the client gets a connection_error, never a connection_ack
    refusal = run(scenario)
    assert refusal["type"] == "connection_error"
    assert [error["errorType"] for error in refusal["payload"]["errors"]] == [
        "UnauthorizedException"
    ]


def test_a_wrong_key_on_one_start_refuses_only_that_subscription(api: Target) -> None:
    recipe = new_recipe(api, "cook")

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        # GIVEN a good connection
        async with connected(api, API_KEY) as client:
            good = api.realtime_header(API_KEY)
            # WHEN one start carries a wrong key in extensions.authorization
            await client.start("bad", ON_COMMENT, {**good, "x-api-key": "da2-wrong"}, {"r": recipe})
            refusal = await client.receive(EVENT_TIMEOUT)
            # THEN only that start is refused: the next one subscribes and hears comments
            await client.subscribe("good", ON_COMMENT, good, {"r": recipe})
            await mutate(api, ADD_COMMENT, {"r": recipe, "b": "Still here"}, user("fan"))
            return refusal, await next_event(client)

    refusal, event = run(scenario)
    assert (refusal["type"], refusal["id"]) == ("error", "bad")
    assert [error["errorType"] for error in refusal["payload"]["errors"]] == [
        "UnauthorizedException"
    ]
    assert event["id"] == "good"
    assert event["payload"]["data"]["onCommentAdded"]["body"] == "Still here"
