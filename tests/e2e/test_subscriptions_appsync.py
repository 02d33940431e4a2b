"""Subscriptions through gql's AppSyncWebsocketsTransport, as a production AppSync client subscribes.

The client is pointed at the devserver's URL and nothing else changes: the `header` query
parameter, `start` with a `data` string and `extensions.authorization`, `start_ack`, `data`.
Mutations go over HTTP, as a frontend makes them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from botocore.credentials import Credentials
from gql import Client
from gql.transport.appsync_auth import (
    AppSyncApiKeyAuthentication,
    AppSyncAuthentication,
    AppSyncIAMAuthentication,
)
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport
from gql.transport.exceptions import TransportQueryError, TransportServerError

from devserver.auth import DEFAULT_IAM_PRINCIPAL
from tests.e2e.conftest import TINY_API_KEY
from tests.e2e.realtime_client import Collector, subscriptions_reach
from tests.e2e.running_server import RunningServer

NOTE_ADDED = """
subscription Watch($text: String, $tag: String) {
  onNoteAdded(text: $text, tag: $tag) { id text tag }
}
"""
ADD_NOTE = (
    "mutation($text: String!, $tag: String) { addNote(text: $text, tag: $tag) { id text tag } }"
)


@pytest.fixture(autouse=True)
def no_subscriptions_left(tiny_server: RunningServer) -> Iterator[None]:
    yield
    registry = tiny_server.app.state.devserver.subscriptions.registry
    asyncio.run(subscriptions_reach(registry, 0))


def host_of(server: RunningServer) -> str:
    return server.base_url.removeprefix("http://")


@asynccontextmanager
async def appsync_session(
    server: RunningServer, auth: AppSyncAuthentication | None = None
) -> AsyncIterator[Any]:
    auth = auth or AppSyncApiKeyAuthentication(host=host_of(server), api_key=TINY_API_KEY)
    transport = AppSyncWebsocketsTransport(url=server.ws_url, auth=auth)
    async with Client(transport=transport) as session:
        yield session


async def add_note(
    server: RunningServer, text: str, tag: str | None = None, query: str = ADD_NOTE
) -> dict[str, Any]:
    variables: dict[str, Any] = {"text": text} | ({"tag": tag} if tag is not None else {})
    body = await asyncio.to_thread(server.gql, query, variables)
    assert "errors" not in body, body
    return body


def test_api_key_subscriber_receives_each_mutation_made_over_http(tiny_server) -> None:
    async def scenario() -> list[dict[str, Any]]:
        # GIVEN an AppSync client subscribed with the API key
        async with appsync_session(tiny_server) as session:
            watcher = Collector(session, NOTE_ADDED)
            await subscriptions_reach(tiny_server.app.state.devserver.subscriptions.registry, 1)
            # WHEN two notes are added over HTTP
            await add_note(tiny_server, "first")
            await add_note(tiny_server, "second", "x")
            events = await watcher.wait_for(2)
            await watcher.stop()
            return events

    # THEN it receives both, in order, shaped by its selection set
    assert asyncio.run(scenario()) == [
        {"onNoteAdded": {"id": "n99", "text": "first", "tag": None}},
        {"onNoteAdded": {"id": "n99", "text": "second", "tag": "x"}},
    ]


def test_omitted_argument_is_a_wildcard_and_explicit_null_matches_only_null(tiny_server) -> None:
    async def scenario() -> dict[str, list[str]]:
        registry = tiny_server.app.state.devserver.subscriptions.registry
        async with appsync_session(tiny_server) as session:
            # GIVEN subscribers filtering on tag "x", on an explicit null tag, and on nothing
            # ($tag declared but not sent), the catch-all registered last
            tagged = Collector(session, NOTE_ADDED, {"tag": "x"})
            untagged = Collector(session, NOTE_ADDED, {"tag": None})
            await subscriptions_reach(registry, 2)
            everything = Collector(session, NOTE_ADDED, {})
            await subscriptions_reach(registry, 3)
            # WHEN notes with tag x, no tag, tag y and no tag again are added
            for text, tag in (("one", "x"), ("two", None), ("three", "y"), ("four", None)):
                await add_note(tiny_server, text, tag)
            await everything.wait_for(4)  # the last event of the catch-all ends the stream
            return {
                name: [event["onNoteAdded"]["text"] for event in await collector.stop()]
                for name, collector in (
                    ("tagged", tagged),
                    ("untagged", untagged),
                    ("everything", everything),
                )
            }

    # THEN the filters are AppSync's: equality, AND, omitted = any, null = null only
    assert asyncio.run(scenario()) == {
        "tagged": ["one"],
        "untagged": ["two", "four"],
        "everything": ["one", "two", "three", "four"],
    }


def test_subscriber_gets_only_what_the_mutation_selected(tiny_server, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="devserver.subscriptions")
    watch = "subscription { onNoteAdded { id text createdAt } }"

    async def scenario() -> list[dict[str, Any]]:
        async with appsync_session(tiny_server) as session:
            # GIVEN a subscriber selecting createdAt
            watcher = Collector(session, watch)
            await subscriptions_reach(tiny_server.app.state.devserver.subscriptions.registry, 1)
            # WHEN the mutation selects id (under an alias) and text, but not createdAt,
            # although the resolver returned it
            await add_note(
                tiny_server, "hi", query='mutation { addNote(text: "hi") { noteId: id text } }'
            )
            events = await watcher.wait_for(1)
            await watcher.stop()
            return events

    # THEN createdAt arrives as null, and the devserver says why
    assert asyncio.run(scenario()) == [
        {"onNoteAdded": {"id": "n99", "text": "hi", "createdAt": None}}
    ]
    warnings = [r.getMessage() for r in caplog.records if r.name == "devserver.subscriptions"]
    assert any("onNoteAdded.createdAt" in w and "addNote did not select" in w for w in warnings)


def test_a_filter_on_a_field_the_mutation_did_not_select_is_warned_about(
    tiny_server, caplog
) -> None:
    caplog.set_level(logging.WARNING, logger="devserver.subscriptions")

    async def scenario() -> list[dict[str, Any]]:
        async with appsync_session(tiny_server) as session:
            # GIVEN a subscriber to notes tagged "x"
            watcher = Collector(session, NOTE_ADDED, {"tag": "x"})
            await subscriptions_reach(tiny_server.app.state.devserver.subscriptions.registry, 1)
            # WHEN a note tagged "x" is added by a mutation that does not select `tag`
            unselected = 'mutation { addNote(text: "quiet", tag: "x") { id text } }'
            await add_note(tiny_server, "quiet", query=unselected)
            # AND then by one that does (events are published in order)
            await add_note(tiny_server, "heard", "x")
            events = await watcher.wait_for(1)
            await watcher.stop()
            return events

    # THEN only the second reaches the subscriber, as on AppSync, and the log says why
    assert [event["onNoteAdded"]["text"] for event in asyncio.run(scenario())] == ["heard"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "devserver.subscriptions"]
    expected = (
        "addNote event not delivered to 1 onNoteAdded subscription(s) only because mutation "
        "addNote did not select tag, which they filter on: AppSync filters on the mutation's "
        "selection set. Select tag in the mutation."
    )
    assert [w for w in warnings if "not delivered" in w] == [expected]


def test_non_null_field_the_mutation_did_not_select_is_an_error(tiny_server) -> None:
    async def scenario() -> Exception | None:
        async with appsync_session(tiny_server) as session:
            # GIVEN a subscriber selecting the non-null strictTitle
            watcher = Collector(session, "subscription { onNoteAdded { id strictTitle } }")
            await subscriptions_reach(tiny_server.app.state.devserver.subscriptions.registry, 1)
            # WHEN the mutation does not select it
            await add_note(tiny_server, "hi")
            return await watcher.finished()

    # THEN the event carries AppSync's non-null error and a null field
    error = asyncio.run(scenario())
    assert isinstance(error, TransportQueryError)
    assert error.data == {"onNoteAdded": None}
    assert error.errors == [
        {
            "path": ["onNoteAdded", "strictTitle"],
            "locations": None,
            "message": "Cannot return null for non-nullable type: 'String' within parent 'Note'"
            " (/onNoteAdded/strictTitle)",
        }
    ]


def test_auth_directives_refuse_a_subscription_at_start(tiny_server) -> None:
    async def scenario() -> Exception | None:
        async with appsync_session(tiny_server) as session:
            # WHEN an API-key client subscribes to an IAM-only field
            return await Collector(session, "subscription { onNoteAudited { id } }").finished()

    # THEN the start is answered with AppSync's Unauthorized error for that id
    error = asyncio.run(scenario())
    assert isinstance(error, TransportQueryError)
    assert error.errors == [
        {
            "errors": [
                {
                    "path": ["onNoteAudited"],
                    "data": None,
                    "errorType": "Unauthorized",
                    "errorInfo": None,
                    "locations": [{"line": 2, "column": 3, "sourceName": None}],  # gql reprints
                    "message": "Not Authorized to access onNoteAudited on type Subscription",
                }
            ]
        }
    ]


def test_a_bad_api_key_gets_a_connection_error(tiny_server) -> None:
    async def scenario() -> None:
        auth = AppSyncApiKeyAuthentication(host=host_of(tiny_server), api_key="da2-wrong")
        async with appsync_session(tiny_server, auth):
            pytest.fail("connected with a wrong API key")

    # WHEN the handshake's API key is wrong THEN the client fails with the connection_error
    with pytest.raises(TransportServerError) as raised:
        asyncio.run(scenario())
    assert "UnauthorizedException" in str(raised.value)
    assert "You are not authorized to make this call." in str(raised.value)


def test_iam_signed_client_subscribes_where_api_keys_may_not(tiny_server) -> None:
    credentials = DEFAULT_IAM_PRINCIPAL.credentials

    async def scenario() -> list[dict[str, Any]]:
        # GIVEN gql's SigV4 authentication (it signs /graphql/connect, then each start's data)
        auth = AppSyncIAMAuthentication(
            host=host_of(tiny_server),
            region_name="us-east-1",
            credentials=Credentials(credentials.access_key_id, credentials.secret_access_key),
        )
        async with appsync_session(tiny_server, auth) as session:
            watcher = Collector(session, "subscription { onNoteAudited { id text } }")
            await subscriptions_reach(tiny_server.app.state.devserver.subscriptions.registry, 1)
            # WHEN a note is added
            await add_note(tiny_server, "audited")
            events = await watcher.wait_for(1)
            await watcher.stop()
            return events

    # THEN the IAM subscriber receives it
    assert asyncio.run(scenario()) == [{"onNoteAudited": {"id": "n99", "text": "audited"}}]


def test_subscription_resolver_runs_once_at_start_and_can_refuse(tiny_server) -> None:
    guarded = "subscription($text: String) { onNoteGuarded(text: $text) { text } }"
    tiny_server.gql("{ invocations { field } }")  # clear the handler's log

    async def scenario() -> tuple[Exception | None, list[dict[str, Any]]]:
        async with appsync_session(tiny_server) as session:
            # GIVEN a subscription whose resolver refuses "refuse", and one it accepts
            refused = await Collector(session, guarded, {"text": "refuse"}).finished()
            accepted = Collector(session, guarded, {"text": "ok"})
            await subscriptions_reach(tiny_server.app.state.devserver.subscriptions.registry, 1)
            # WHEN two matching notes are added
            await add_note(tiny_server, "ok")
            await add_note(tiny_server, "ok")
            events = await accepted.wait_for(2)
            await accepted.stop()
            return refused, events

    refused, events = asyncio.run(scenario())
    # THEN the refusal is the resolver's error, the accepted one gets both events...
    assert isinstance(refused, TransportQueryError)
    assert refused.errors[0]["errors"][0]["errorType"] == "WatchRefused"
    assert refused.errors[0]["errors"][0]["message"] == "'refuse' may not be watched"
    assert events == [{"onNoteGuarded": {"text": "ok"}}] * 2
    # ...and the resolver ran once per start, never per event
    log = tiny_server.gql("{ invocations { field } }")["data"]["invocations"]
    assert [entry["field"] for entry in log] == [
        "Subscription.onNoteGuarded",
        "Subscription.onNoteGuarded",
        "Mutation.addNote",
        "Mutation.addNote",
    ]
