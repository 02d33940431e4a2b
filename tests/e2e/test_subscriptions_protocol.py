"""The AppSync real-time protocol frame by frame (semantics §6), with a bare WebSocket client."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from devserver.subscriptions import SubscriptionSettings
from tests.e2e.conftest import TINY_API_KEY
from tests.e2e.realtime_client import realtime, subscriptions_reach
from tests.e2e.running_server import RunningServer

KEEP_ALIVE = 0.2
TIMEOUT_MS = 1234
WATCH = "subscription { onNoteAdded { text } }"


@pytest.fixture(scope="module")
def server(devserver, tiny_config_factory) -> Iterator[RunningServer]:
    settings = SubscriptionSettings(
        keep_alive_seconds=KEEP_ALIVE,
        connection_timeout_ms=TIMEOUT_MS,
        connection_init_timeout_seconds=1.0,
    )
    with devserver(tiny_config_factory(), subscriptions=settings) as running:
        yield running


@pytest.fixture(autouse=True)
def no_subscriptions_left(server: RunningServer) -> Iterator[None]:
    yield
    asyncio.run(subscriptions_reach(registry(server), 0))


def registry(server: RunningServer) -> Any:
    return server.app.state.devserver.subscriptions.registry


def api_key(server: RunningServer, key: str = TINY_API_KEY) -> dict[str, str]:
    return {"host": server.base_url.removeprefix("http://"), "x-api-key": key}


async def add_note(server: RunningServer, text: str) -> None:
    query = "mutation($t: String!) { addNote(text: $t) { text } }"
    body = await asyncio.to_thread(server.gql, query, {"t": text})
    assert "errors" not in body, body


def data(operation_id: str, text: str) -> dict[str, Any]:
    return {
        "type": "data",
        "id": operation_id,
        "payload": {"data": {"onNoteAdded": {"text": text}}},
    }


def run(scenario: Any) -> Any:
    return asyncio.run(scenario())


def test_connection_ack_carries_the_timeout_and_keep_alives_follow(server) -> None:
    async def scenario() -> tuple[dict[str, Any], list[float]]:
        async with realtime(server.ws_url, api_key(server)) as client:
            # WHEN the client initialises
            await client.send({"type": "connection_init"})
            ack = await client.receive_any()
            # THEN a ka follows at once, then one every keep-alive interval
            assert await client.receive_any() == {"type": "ka"}
            loop = asyncio.get_running_loop()
            stamps = [loop.time()]
            for _ in range(3):
                assert await client.receive_any(seconds=2) == {"type": "ka"}
                stamps.append(loop.time())
            return ack, [later - earlier for earlier, later in itertools.pairwise(stamps)]

    ack, intervals = run(scenario)
    assert ack == {"type": "connection_ack", "payload": {"connectionTimeoutMs": TIMEOUT_MS}}
    assert all(KEEP_ALIVE * 0.5 < interval < KEEP_ALIVE * 3 for interval in intervals), intervals


def test_nothing_is_accepted_before_connection_init(server) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with realtime(server.ws_url, api_key(server)) as client:
            # GIVEN a start sent before connection_init (CVE-2026-35523's hole)
            await client.start("early", WATCH, api_key(server))
            await client.init()
            await add_note(server, "unseen")
            # WHEN a start follows the handshake and a note is added
            await client.subscribe("late", WATCH, api_key(server))
            await add_note(server, "seen")
            # THEN only the later start is acknowledged and receives data
            return [await client.receive()]

    assert run(scenario) == [data("late", "seen")]


def test_a_live_id_cannot_be_reused(server) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with realtime(server.ws_url, api_key(server)) as client:
            await client.init()
            await client.subscribe("a", WATCH, api_key(server))
            # WHEN the same id starts again
            await client.start("a", WATCH, api_key(server))
            refusal = await client.receive()
            await add_note(server, "once")
            # THEN it is refused, and the first subscription still receives (once)
            return [refusal, await client.receive()]

    assert run(scenario) == [
        {
            "type": "error",
            "id": "a",
            "payload": {
                "errors": [
                    {
                        "errorType": "DuplicatedOperationError",
                        "message": "Duplicated operation with id a",
                    }
                ]
            },
        },
        data("a", "once"),
    ]


def test_the_101st_subscription_on_a_connection_is_refused(server) -> None:
    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        async with realtime(server.ws_url, api_key(server)) as client:
            await client.init()
            # GIVEN 100 live subscriptions
            for index in range(100):
                await client.start(f"s{index}", WATCH, api_key(server))
            acks = {(await client.receive())["id"] for _ in range(100)}
            assert acks == {f"s{index}" for index in range(100)}
            # WHEN a 101st starts
            await client.start("s100", WATCH, api_key(server))
            refusal = await client.receive()
            # THEN it is refused; after a stop there is room again
            await client.send({"type": "stop", "id": "s0"})
            assert await client.receive() == {"type": "complete", "id": "s0"}
            await client.start("s100", WATCH, api_key(server))
            return refusal, await client.receive()

    refusal, retry = run(scenario)
    assert refusal == {
        "type": "error",
        "id": "s100",
        "payload": {
            "errors": [
                {
                    "errorType": "MaxSubscriptionsReachedError",
                    "message": "Max number of 100 subscriptions reached",
                }
            ]
        },
    }
    assert retry == {"type": "start_ack", "id": "s100"}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"x-api-key": "da2-wrong"}, "You are not authorized to make this call."),
        ({}, "Valid authorization header not provided."),
    ],
)
def test_bad_handshake_credentials_get_connection_error_then_close(server, header, message) -> None:
    async def scenario() -> tuple[dict[str, Any], int | None]:
        host = {"host": server.base_url.removeprefix("http://")}
        async with realtime(server.ws_url, host | header) as client:
            # WHEN the client initialises with bad credentials in the `header` parameter
            await client.send({"type": "connection_init"})
            error = await client.receive_any()
            # THEN the connection_error is followed by the close
            with pytest.raises(ConnectionClosed) as closed:
                await client.receive_any()
            return error, closed.value.rcvd.code if closed.value.rcvd else None

    error, code = run(scenario)
    assert error == {
        "type": "connection_error",
        "payload": {
            "errors": [{"errorType": "UnauthorizedException", "message": message, "errorCode": 401}]
        },
    }
    assert code == 4401


def test_bad_credentials_in_a_start_refuse_only_that_start(server) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with realtime(server.ws_url, api_key(server)) as client:
            await client.init()
            # WHEN one start's extensions.authorization carries a wrong key
            await client.start("bad", WATCH, api_key(server, "da2-wrong"))
            refusal = await client.receive()
            # THEN that start is refused; the connection and the next start are fine
            await client.subscribe("good", WATCH, api_key(server))
            await add_note(server, "hello")
            return [refusal, await client.receive()]

    assert run(scenario) == [
        {
            "type": "error",
            "id": "bad",
            "payload": {
                "errors": [
                    {
                        "errorType": "UnauthorizedException",
                        "message": "You are not authorized to make this call.",
                    }
                ]
            },
        },
        data("good", "hello"),
    ]


def test_stop_is_answered_with_complete_and_ends_the_data(server) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with realtime(server.ws_url, api_key(server)) as client:
            await client.init()
            await client.subscribe("a", WATCH, api_key(server))
            # WHEN the client stops it, then a note is added
            await client.send({"type": "stop", "id": "a"})
            complete = await client.receive()
            await add_note(server, "after stop")
            # THEN complete came back, and the next data is for a newer subscription only
            await client.subscribe("b", WATCH, api_key(server))
            await add_note(server, "to b")
            return [complete, await client.receive()]

    assert run(scenario) == [{"type": "complete", "id": "a"}, data("b", "to b")]


def test_credentials_in_a_subprotocol_or_plain_headers_and_the_realtime_path(server) -> None:
    encoded = base64.urlsafe_b64encode(json.dumps(api_key(server)).encode()).decode()

    async def handshake(**options: Any) -> dict[str, Any]:
        url = options.pop("url", server.ws_url)
        async with realtime(url, None, **options) as client:
            return await client.init()

    async def scenario() -> list[dict[str, Any]]:
        return [
            await handshake(subprotocols=["graphql-ws", f"header-{encoded.rstrip('=')}"]),
            await handshake(headers={"x-api-key": TINY_API_KEY}),
            await handshake(url=f"{server.ws_url}/realtime", headers={"x-api-key": TINY_API_KEY}),
        ]

    # THEN every way AppSync accepts credentials is acknowledged
    ack = {"type": "connection_ack", "payload": {"connectionTimeoutMs": TIMEOUT_MS}}
    assert run(scenario) == [ack, ack, ack]


def test_queries_and_foreign_messages_are_unsupported(server) -> None:
    async def scenario() -> list[dict[str, Any]]:
        async with realtime(server.ws_url, api_key(server)) as client:
            await client.init()
            # WHEN a query is started, then an Apollo-style start (query, no data string)
            await client.start("q", "{ version }", api_key(server))
            query = await client.receive()
            await client.send({"id": "x", "type": "start", "payload": {"query": WATCH}})
            return [query, await client.receive()]

    assert run(scenario) == [
        {
            "type": "error",
            "id": "q",
            "payload": {
                "errors": [
                    {
                        "errorType": "UnsupportedOperation",
                        "message": "query not supported through the realtime channel",
                    }
                ]
            },
        },
        {
            "type": "error",
            "payload": {
                "errors": [
                    {
                        "errorType": "UnsupportedOperation",
                        "message": "unknown not supported through the realtime channel",
                    }
                ]
            },
        },
    ]


def test_payloads_over_240_kb_are_not_delivered(server, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="devserver.subscriptions")

    async def scenario() -> dict[str, Any]:
        async with realtime(server.ws_url, api_key(server)) as client:
            await client.init()
            await client.subscribe("a", WATCH, api_key(server))
            # WHEN a note too large to publish is added, then a small one
            await add_note(server, "x" * 250_000)
            await add_note(server, "small")
            # THEN the first data to arrive is the small one
            return await client.receive()

    assert run(scenario) == data("a", "small")
    assert any("245760-byte" in record.getMessage() for record in caplog.records)


def test_a_silent_connection_is_closed_after_the_init_timeout(server) -> None:
    async def scenario() -> int | None:
        async with realtime(server.ws_url, api_key(server)) as client:
            # WHEN the client never sends connection_init
            with pytest.raises(ConnectionClosed) as closed:
                await client.receive_any(seconds=3)
            return closed.value.rcvd.code if closed.value.rcvd else None

    assert run(scenario) == 4408


def test_other_subprotocols_are_refused_at_the_handshake(server) -> None:
    async def scenario() -> None:
        async with websockets.connect(server.ws_url, subprotocols=["mqtt"]):  # type: ignore[list-item]
            pytest.fail("accepted an unknown sub-protocol")

    with pytest.raises(InvalidStatus) as refused:
        run(scenario)
    assert refused.value.response.status_code == 403


def test_graphql_transport_ws_is_refused_as_appsync_refuses_it(server, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="devserver.subscriptions")

    async def scenario() -> tuple[str | None, Any, int | None]:
        # WHEN a graphql-ws (npm) / GraphQLWsLink / urql client connects
        async with websockets.connect(
            server.ws_url,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        ) as socket:
            first = json.loads(await asyncio.wait_for(socket.recv(), 10))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
            code = closed.value.rcvd.code if closed.value.rcvd else None
            return socket.subprotocol, first, code

    subprotocol, first, code = run(scenario)
    # THEN it gets AppSync's refusal: no sub-protocol, then a connection_error, then the close
    assert subprotocol is None
    assert first == {
        "type": "connection_error",
        "payload": {"errors": [{"message": "SubProtocolNotSupportedError", "errorCode": 400}]},
    }
    assert code == 4406
    # AND the log names the clients that work on AppSync
    refusals = [r.getMessage() for r in caplog.records if "graphql-transport-ws" in r.getMessage()]
    assert len(refusals) == 1
    for fix in ("generateClient", "aws-appsync-subscription-link", "AppSyncWebsocketsTransport"):
        assert fix in refusals[0]
