"""CORS and the `x-amzn-*` response headers over HTTP, as AppSync sends them."""

from __future__ import annotations

from devserver.http import APPSYNC_EXPOSED_HEADERS

FOREIGN = "http://localhost:5173"  # a Vite dev server, say


def test_a_preflight_is_answered_for_any_origin(tiny_server) -> None:
    # WHEN a browser on another origin asks whether it may POST with an API key
    response = tiny_server.client.options(
        tiny_server.graphql_url,
        headers={
            "origin": FOREIGN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,x-api-key,x-amz-user-agent",
        },
    )
    # THEN it may, from any origin, with the headers it asked for
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower().split(",")
    assert {"content-type", "x-api-key", "x-amz-user-agent"} <= {h.strip() for h in allowed}
    assert "access-control-allow-credentials" not in response.headers


def test_answers_expose_appsyncs_headers_to_any_origin(tiny_server) -> None:
    # WHEN a page on another origin runs a query
    response = tiny_server.client.post(
        tiny_server.graphql_url,
        json={"query": "{ version }"},
        headers={"origin": FOREIGN, "x-api-key": tiny_server.api_key},
    )
    # THEN the page may read the answer and AppSync's headers
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    exposed = response.headers["access-control-expose-headers"].split(",")
    assert set(APPSYNC_EXPOSED_HEADERS) <= {name.strip() for name in exposed}
    assert response.headers["x-amzn-RequestId"]


def test_error_answers_name_their_type_in_a_header(tiny_server) -> None:
    # WHEN a request carries no credentials, or no body
    unauthorized = tiny_server.post("{ version }", headers={"origin": FOREIGN})
    empty = tiny_server.client.post(
        tiny_server.graphql_url, content=b"", headers={"x-api-key": tiny_server.api_key}
    )
    # THEN the header names the same errorType as the body
    assert unauthorized.status_code == 401
    assert unauthorized.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    assert unauthorized.json()["errors"][0]["errorType"] == "UnauthorizedException"
    assert unauthorized.headers["access-control-allow-origin"] == "*"
    assert empty.status_code == 400
    assert empty.headers["x-amzn-ErrorType"] == "MalformedHttpRequestException"
    # AND a successful answer carries none
    assert "x-amzn-ErrorType" not in tiny_server.post("{ version }").headers
