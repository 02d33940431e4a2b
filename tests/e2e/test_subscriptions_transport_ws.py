"""graphql-transport-ws (gql's WebsocketsTransport, Apollo's GraphQLWsLink, urql): refused by
default as AppSync refuses it; the same subscriptions with `allow_graphql_transport_ws`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from websockets.exceptions import ConnectionClosed

from devserver.subscriptions import SubscriptionSettings
from tests.e2e.conftest import TINY_API_KEY
from tests.e2e.realtime_client import Collector, realtime, subscriptions_reach
from tests.e2e.running_server import RunningServer

NOTE_ADDED = """
subscription Watch($tag: String) { onNoteAdded(tag: $tag) { id text tag } }
"""


@pytest.fixture(scope="module")
def tiny_server(devserver, tiny_config_factory) -> Iterator[RunningServer]:
    """The tiny API, serving graphql-transport-ws as `--allow-graphql-transport-ws` does."""
    settings = SubscriptionSettings(allow_graphql_transport_ws=True)
    with devserver(tiny_config_factory(), subscriptions=settings) as server:
        yield server


@pytest.fixture(autouse=True)
def no_subscriptions_left(tiny_server: RunningServer) -> Iterator[None]:
    yield
    asyncio.run(subscriptions_reach(registry(tiny_server), 0))


def registry(server: RunningServer) -> Any:
    return server.app.state.devserver.subscriptions.registry


@asynccontextmanager
async def transport_ws_session(
    server: RunningServer, init_payload: dict[str, Any] | None = None
) -> AsyncIterator[Any]:
    transport = WebsocketsTransport(
        url=server.ws_url,
        init_payload={"x-api-key": TINY_API_KEY} if init_payload is None else init_payload,
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    async with Client(transport=transport) as session:
        yield session


async def add_note(server: RunningServer, text: str, tag: str | None = None) -> None:
    query = (
        "mutation($text: String!, $tag: String) { addNote(text: $text, tag: $tag) { id text tag } }"
    )
    variables: dict[str, Any] = {"text": text} | ({"tag": tag} if tag is not None else {})
    body = await asyncio.to_thread(server.gql, query, variables)
    assert "errors" not in body, body


def test_filters_and_events_match_the_appsync_protocol(tiny_server) -> None:
    async def scenario() -> dict[str, list[str]]:
        async with transport_ws_session(tiny_server) as session:
            # GIVEN subscribers on tag "x", on an explicit null tag, and on any tag (last)
            tagged = Collector(session, NOTE_ADDED, {"tag": "x"})
            untagged = Collector(session, NOTE_ADDED, {"tag": None})
            await subscriptions_reach(registry(tiny_server), 2)
            everything = Collector(session, NOTE_ADDED, {})
            await subscriptions_reach(registry(tiny_server), 3)
            # WHEN notes with tag x, no tag and tag y are added over HTTP
            for text, tag in (("one", "x"), ("two", None), ("three", "y")):
                await add_note(tiny_server, text, tag)
            await everything.wait_for(3)
            return {
                name: [event["onNoteAdded"]["text"] for event in await collector.stop()]
                for name, collector in (
                    ("tagged", tagged),
                    ("untagged", untagged),
                    ("everything", everything),
                )
            }

    # THEN each subscriber gets what an AppSync subscriber would
    assert asyncio.run(scenario()) == {
        "tagged": ["one"],
        "untagged": ["two"],
        "everything": ["one", "two", "three"],
    }


def test_pruning_to_the_mutation_selection_is_the_same(tiny_server) -> None:
    async def scenario() -> Exception | None:
        async with transport_ws_session(tiny_server) as session:
            watcher = Collector(session, "subscription { onNoteAdded { id strictTitle } }")
            await subscriptions_reach(registry(tiny_server), 1)
            await add_note(tiny_server, "hi")
            return await watcher.finished()

    error = asyncio.run(scenario())
    assert isinstance(error, TransportQueryError)
    assert error.data == {"onNoteAdded": None}
    assert error.errors is not None
    assert error.errors[0]["path"] == ["onNoteAdded", "strictTitle"]
    assert error.errors[0]["message"].startswith("Cannot return null for non-nullable type")


def test_auth_directives_refuse_the_subscription(tiny_server) -> None:
    async def scenario() -> Exception | None:
        async with transport_ws_session(tiny_server) as session:
            return await Collector(session, "subscription { onNoteAudited { id } }").finished()

    error = asyncio.run(scenario())
    assert isinstance(error, TransportQueryError)
    assert error.errors is not None
    assert error.errors[0]["errorType"] == "Unauthorized"
    assert (
        error.errors[0]["message"] == "Not Authorized to access onNoteAudited on type Subscription"
    )


@pytest.mark.parametrize(
    "init_payload",
    [{"x-api-key": "da2-wrong"}, {"headers": {"x-api-key": "da2-wrong"}}, {}],
)
def test_bad_connection_init_credentials_close_the_socket_as_forbidden(
    tiny_server, init_payload
) -> None:
    async def scenario() -> int | None:
        async with realtime(tiny_server.ws_url, subprotocols=["graphql-transport-ws"]) as client:
            # WHEN connection_init carries wrong (or no) credentials
            await client.send({"type": "connection_init", "payload": init_payload})
            with pytest.raises(ConnectionClosed) as closed:
                await client.receive_any()
            return closed.value.rcvd.code if closed.value.rcvd else None

    # THEN the socket closes with graphql-ws's Forbidden
    assert asyncio.run(scenario()) == 4403


def test_credentials_nested_under_headers_and_queries_over_the_socket(tiny_server) -> None:
    async def scenario() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        payload = {"headers": {"x-api-key": TINY_API_KEY}}
        async with transport_ws_session(tiny_server, payload) as session:
            # GIVEN a subscriber on this socket
            watcher = Collector(session, "subscription { onNoteAdded { text } }")
            await subscriptions_reach(registry(tiny_server), 1)
            # WHEN a query and a mutation run over the same socket
            version = await session.execute(gql("{ version }"))
            await session.execute(gql('mutation { addNote(text: "over ws") { text } }'))
            events = await watcher.wait_for(1)
            await watcher.stop()
            return version, events

    # THEN both answer as over HTTP, and the mutation publishes like any other
    version, events = asyncio.run(scenario())
    assert version == {"version": "v1"}
    assert events == [{"onNoteAdded": {"text": "over ws"}}]


def test_a_client_offering_both_protocols_gets_graphql_transport_ws(tiny_server) -> None:
    async def scenario() -> str | None:
        # gql's default: both the Apollo/AppSync name and graphql-transport-ws
        transport = WebsocketsTransport(
            url=tiny_server.ws_url, init_payload={"x-api-key": TINY_API_KEY}
        )
        async with Client(transport=transport):
            return transport.subprotocol

    assert asyncio.run(scenario()) == "graphql-transport-ws"
