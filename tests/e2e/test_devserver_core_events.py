"""The Direct Lambda event and Lambda context the devserver hands a handler (semantics §1.2)."""

from __future__ import annotations

import json
from typing import Any

from gql import Client
from gql.graphql_request import GraphQLRequest
from graphql import get_introspection_query

ECHO = """
query Echo($message: String, $payload: AWSJSON, $count: Int!) {
  notes(count: $count) { id }
  first: echo(message: $message, payload: $payload, tags: ["a", "b"], filter: {text: "x"}) {
    context
    ev: event
    ... on Echo { event }
  }
}
"""


def _echo(server: Any, variables: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    body = server.post(ECHO, variables, headers=headers).json()
    assert "errors" not in body, body
    echoed = body["data"]["first"]
    return {"event": json.loads(echoed["event"]), "context": json.loads(echoed["context"])}


def test_root_field_event_has_appsyncs_keys_and_values(tiny_server) -> None:
    # GIVEN a root query with aliases, a fragment, literal and variable arguments, extra headers
    variables = {"message": "hi", "payload": '{"n": [1, 2]}', "count": 1}
    headers = {"x-api-key": tiny_server.api_key, "X-Custom": "Yes", "Cookie": "session=1"}
    # WHEN the handler echoes its event
    event = _echo(tiny_server, variables, headers)["event"]
    # THEN it is the AppSync Direct Lambda event, key for key
    assert list(event) == [
        "arguments",
        "identity",
        "source",
        "request",
        "prev",
        "info",
        "stash",
    ]
    assert event["arguments"] == {
        "message": "hi",
        "payload": {"n": [1, 2]},  # AWSJSON arrives parsed
        "tags": ["a", "b"],
        "filter": {"text": "x"},
    }
    assert event["identity"] is None  # API key callers have no identity
    assert event["source"] is None
    assert event["prev"] is None
    assert event["stash"] == {}
    assert event["request"]["domainName"] is None
    request_headers = event["request"]["headers"]
    assert request_headers["x-custom"] == "Yes"
    assert "cookie" not in request_headers
    assert all(name == name.lower() for name in request_headers)
    assert event["info"] == {
        "selectionSetList": ["context", "ev", "event"],
        "selectionSetGraphQL": "{\n  context\n  ev: event\n  ... on Echo {\n    event\n  }\n}",
        "parentTypeName": "Query",
        "fieldName": "echo",
        "variables": variables,  # all of the request's, not only this field's
    }


def test_nested_field_event_carries_the_parent_as_source(tiny_server) -> None:
    # GIVEN a wired, unbatched field below a list
    # WHEN each note's trace echoes its own event
    body = tiny_server.gql("{ notes(count: 2) { id trace } }")
    traces = [json.loads(note["trace"]) for note in body["data"]["notes"]]
    # THEN each event's source is that note as its parent resolver returned it
    assert [trace["source"]["id"] for trace in traces] == ["n0", "n1"]
    assert traces[1]["source"]["strictTitle"] == "Title 1"  # unselected keys are kept
    assert traces[0]["info"]["parentTypeName"] == "Note"
    assert traces[0]["info"]["fieldName"] == "trace"
    # AND a leaf field has an empty selection set
    assert traces[0]["info"]["selectionSetList"] == []
    assert traces[0]["info"]["selectionSetGraphQL"] == ""
    assert traces[0]["arguments"] == {}


def test_lambda_context_is_faithful(tiny_server) -> None:
    # GIVEN the Powertools handler of the "notes" function (512 MB)
    # WHEN it reports its context
    context = _echo(tiny_server, {"count": 0}, {"x-api-key": tiny_server.api_key})["context"]
    # THEN every field matches what the Lambda Python runtime provides
    assert context["function_name"] == "notes"
    assert context["function_version"] == "$LATEST"
    assert context["memory_limit_in_mb"] == "512"  # a string, as in the real runtime
    assert context["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:notes"
    assert context["log_group_name"] == "/aws/lambda/notes"
    assert "[$LATEST]" in context["log_stream_name"]
    assert len(context["aws_request_id"]) == 36
    # AND the remaining time counts down AppSync's 30 s request budget
    assert 25_000 < context["remaining_ms"] <= 30_000
    # AND Powertools parsed the event (identity is None for API key)
    assert context["powertools_identity_is_none"] is True


def test_each_invocation_gets_its_own_request_id(tiny_server) -> None:
    # GIVEN two requests
    # WHEN each echoes its context
    first = _echo(tiny_server, {"count": 0}, {"x-api-key": tiny_server.api_key})["context"]
    second = _echo(tiny_server, {"count": 0}, {"x-api-key": tiny_server.api_key})["context"]
    # THEN the Lambda request ids differ while the container's log stream stays the same
    assert first["aws_request_id"] != second["aws_request_id"]
    assert first["log_stream_name"] == second["log_stream_name"]


def test_unwired_fields_resolve_from_the_parent_or_null(tiny_server) -> None:
    # GIVEN fields that no resolver is wired to
    # WHEN they are queried
    body = tiny_server.gql("{ unwiredRoot notes(count: 1) { strictTitle createdAt } }")
    # THEN a root one is null and nested ones read the parent's keys, as AppSync does
    assert body == {
        "data": {
            "unwiredRoot": None,
            "notes": [{"strictTitle": "Title 0", "createdAt": "2024-05-01T10:00:00Z"}],
        }
    }


def test_a_standard_graphql_client_works(gql_client: Client) -> None:
    # GIVEN gql's HTTP client, as a frontend would use it
    # WHEN it runs a query with variables
    request = GraphQLRequest(
        "query($n: Int!) { notes(count: $n) { id author { name } } }", variable_values={"n": 2}
    )
    result = gql_client.execute(request)
    # THEN it gets plain data
    assert result == {
        "notes": [
            {"id": "n0", "author": {"name": "Author a0"}},
            {"id": "n1", "author": {"name": "Author a1"}},
        ]
    }


def test_responses_carry_a_request_id_header(tiny_server) -> None:
    # GIVEN any request
    # WHEN it is answered
    response = tiny_server.post("{ version }")
    # THEN AppSync's request id header is present
    assert len(response.headers["x-amzn-requestid"]) == 36


def test_introspection_answers_from_the_sdl_schema(tiny_server) -> None:
    # GIVEN the introspection query GraphiQL and codegen tools send
    # WHEN it runs
    body = tiny_server.gql(get_introspection_query())
    # THEN it describes the schema file's types, AWS scalars included, without errors
    assert "errors" not in body
    types = {t["name"]: t for t in body["data"]["__schema"]["types"]}
    assert types["Note"]["kind"] == "OBJECT"
    assert types["AWSDateTime"]["kind"] == "SCALAR"
    assert body["data"]["__schema"]["subscriptionType"]["name"] == "Subscription"
