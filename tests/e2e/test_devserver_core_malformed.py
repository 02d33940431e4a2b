"""Malformed input over HTTP and WebSocket is a 4xx or the protocol's own error, never a crash."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from devserver.playground import PlaygroundSettings, create_playground
from devserver.playground.assets import VENDOR_FILES
from devserver.subscriptions import SubscriptionSettings
from tests.e2e.conftest import TINY_API_KEY
from tests.e2e.realtime_client import RealtimeClient, encode_header, realtime
from tests.e2e.running_server import RunningServer

DEEP = "[" * 5000 + "]" * 5000
MALFORMED = "MalformedHttpRequestException"
NOT_OBJECTS = ['"junk"', "[]", "5", "null"]


@pytest.fixture(scope="module")
def server(devserver, tiny_config_factory, tmp_path_factory) -> Iterator[RunningServer]:
    """The tiny API with the playground's routes (stand-in npm files: no page is rendered)."""
    vendor = tmp_path_factory.mktemp("vendor")
    for relative in VENDOR_FILES.values():
        (vendor / relative).parent.mkdir(parents=True, exist_ok=True)
        (vendor / relative).write_text("")
    parts = create_playground(PlaygroundSettings(vendor_dir=vendor))
    # graphql-transport-ws on, as `--allow-graphql-transport-ws` does, so its frames can be tested.
    settings = SubscriptionSettings(allow_graphql_transport_ws=True)
    with devserver(
        tiny_config_factory(), playground=parts.page, routes=parts.routes, subscriptions=settings
    ) as running:
        yield running


def _post(server: RunningServer, path: str, body: str) -> Any:
    return server.client.post(
        f"{server.base_url}{path}",
        content=body,
        headers={"content-type": "application/json", "x-api-key": TINY_API_KEY},
    )


@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        '{"query": "{ version }", "variables": {"v": ' + DEEP + "}}",
        '{"query": "{ version }", "extensions": ' + DEEP + "}",
    ],
    ids=["body", "variables", "extensions"],
)
def test_deeply_nested_json_in_the_body_is_a_400(server, body: str) -> None:
    # GIVEN a body nested 5,000 levels deep, whole or in one of its members
    # WHEN it is posted to /graphql
    response = _post(server, "/graphql", body)
    # THEN AppSync's 400 for an unparsable body comes back, as for any other bad JSON
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"errorType": MALFORMED, "message": "Unable to parse GraphQL query."}]
    }


def test_json_nested_as_deeply_as_a_request_needs_is_accepted(server) -> None:
    # GIVEN an AWSJSON variable nested 100 levels deep
    payload = "[" * 100 + "]" * 100
    # WHEN it is echoed back
    body = server.gql("query($p: AWSJSON) { echo(payload: $p) { event } }", {"p": payload})
    # THEN the handler received it intact
    assert json.loads(body["data"]["echo"]["event"])["arguments"]["payload"] == json.loads(payload)


def test_a_deeply_nested_awsjson_string_is_a_variable_error(server) -> None:
    # GIVEN an AWSJSON variable whose text nests 5,000 levels deep
    # WHEN it is sent
    body = server.gql("query($p: AWSJSON) { echo(payload: $p) { event } }", {"p": DEEP})
    # THEN the variable is refused as AppSync refuses bad AWSJSON, before any handler runs
    assert body["data"] is None
    [error] = body["errors"]
    assert "errorType" not in error
    assert error["message"].startswith("Variable 'p' has an invalid value")


@pytest.mark.parametrize("path", ["/playground/token", "/playground/sign"])
@pytest.mark.parametrize("body", [DEEP, "[]", "not json"], ids=["deep", "array", "garbage"])
def test_playground_endpoints_refuse_a_body_that_is_not_a_json_object(server, path, body) -> None:
    # GIVEN a playground endpoint that reads a JSON object
    # WHEN the body is too deep, not an object, or not JSON
    response = _post(server, path, body)
    # THEN it is a 400 in the shape POST /graphql uses for bad bodies
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"errorType": MALFORMED, "message": "Send a JSON object as the body."}]
    }


def test_a_deeply_nested_header_parameter_is_refused_at_connection_init(server) -> None:
    # 2,500 levels: past Python's recursion limit, yet short enough for the URL (5,000 is
    # refused with a 414 before any decoding, like any URL that long).
    header = base64.b64encode(("[" * 2500 + "]" * 2500).encode()).decode()

    async def scenario() -> tuple[dict[str, Any], int | None]:
        url = f"{server.ws_url}?header={header}&payload=e30="
        async with websockets.connect(url, subprotocols=["graphql-ws"]) as connection:  # type: ignore[list-item]
            answer = await RealtimeClient(connection).init()
            await asyncio.wait_for(connection.wait_closed(), 5)
            return answer, connection.close_code

    # GIVEN an AppSync-protocol client whose `header` parameter nests 2,500 levels deep
    # WHEN it sends connection_init
    answer, code = asyncio.run(scenario())
    # THEN it gets the protocol's refusal of bad credentials, and the socket closes cleanly
    assert answer["type"] == "connection_error"
    assert answer["payload"]["errors"][0]["errorType"] == "UnauthorizedException"
    assert code == 4401


@pytest.mark.parametrize("frame", [DEEP, *NOT_OBJECTS])
def test_appsync_protocol_answers_a_bad_frame_and_keeps_the_connection(server, frame) -> None:
    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        async with realtime(server.ws_url, {"x-api-key": TINY_API_KEY}) as client:
            await client.init()
            await client.connection.send(frame)
            refusal = await client.receive()
            await client.subscribe(
                "1", "subscription { onNoteAdded { id } }", {"x-api-key": TINY_API_KEY}
            )
            return refusal, {"still": "open"}

    # GIVEN an acknowledged AppSync-protocol connection
    # WHEN it sends a frame that is too deep, or JSON but not an object
    refusal, after = asyncio.run(scenario())
    # THEN AppSync's error for a message it does not understand comes back, and it still works
    assert refusal["type"] == "error"
    assert refusal["payload"]["errors"][0]["errorType"] == "UnsupportedOperation"
    assert after == {"still": "open"}


def test_appsync_protocol_answers_a_start_whose_data_is_too_deep(server) -> None:
    async def scenario() -> dict[str, Any]:
        async with realtime(server.ws_url, {"x-api-key": TINY_API_KEY}) as client:
            await client.init()
            await client.send(
                {
                    "id": "deep",
                    "type": "start",
                    "payload": {
                        "data": DEEP,
                        "extensions": {"authorization": {"x-api-key": TINY_API_KEY}},
                    },
                }
            )
            return await client.receive()

    # GIVEN an acknowledged connection
    # WHEN a start's `data` string nests 5,000 levels deep
    answer = asyncio.run(scenario())
    # THEN that start is refused with an error for its id
    assert answer["type"] == "error"
    assert answer["id"] == "deep"


@pytest.mark.parametrize("frame", [DEEP, *NOT_OBJECTS, '{"type": "subscribe", "id": 5}'])
def test_graphql_transport_ws_closes_with_4400_on_a_bad_frame(server, frame) -> None:
    async def scenario() -> tuple[int | None, str]:
        async with websockets.connect(
            server.ws_url,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        ) as connection:
            await connection.send(
                json.dumps({"type": "connection_init", "payload": {"x-api-key": TINY_API_KEY}})
            )
            assert (
                json.loads(await asyncio.wait_for(connection.recv(), 5))["type"] == "connection_ack"
            )
            await connection.send(frame)
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(connection.recv(), 5)
            return connection.close_code, connection.close_reason or ""

    # GIVEN an acknowledged graphql-transport-ws connection
    # WHEN it sends a frame that is too deep, JSON but not an object, or a malformed message
    code, reason = asyncio.run(scenario())
    # THEN the server closes it with the protocol's 4400 and says why
    assert code == 4400
    assert reason


def _upgrade(server: RunningServer, path: str) -> bytes:
    host, port = server.base_url.removeprefix("http://").split(":")
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-ws\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(request.encode())
        return connection.recv(4096)


def test_an_upgrade_with_a_very_long_url_is_answered_with_a_4xx(server) -> None:
    # GIVEN an AppSync client whose `header` parameter is about 13 KB
    header = encode_header({"host": "127.0.0.1", "x-api-key": "k" * 9_500})
    assert 12_000 < len(header) < 14_000
    # WHEN it asks to upgrade
    status_line = _upgrade(server, f"/graphql?header={header}&payload=e30=").split(b"\r\n")[0]
    # THEN it is told the URL is too long instead of waiting forever
    assert status_line == b"HTTP/1.1 414 Request-URI Too Long"


def test_an_upgrade_with_an_ordinary_url_still_switches_protocols(server) -> None:
    # GIVEN an AppSync client with an ordinary `header` parameter
    header = encode_header({"host": "127.0.0.1", "x-api-key": TINY_API_KEY})
    # WHEN it asks to upgrade
    status_line = _upgrade(server, f"/graphql?header={header}&payload=e30=").split(b"\r\n")[0]
    # THEN the server switches protocols
    assert status_line == b"HTTP/1.1 101 Switching Protocols"
