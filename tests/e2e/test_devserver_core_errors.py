"""Errors, status codes and null propagation, shaped as AppSync shapes them (semantics §1.3-1.4, §9)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest


def _location(line: int, column: int) -> list[dict[str, object]]:
    return [{"line": line, "column": column, "sourceName": None}]


def test_raised_exception_becomes_a_typed_error_and_a_null_field(tiny_server) -> None:
    # GIVEN a resolver that raises NoteNotFound next to one that succeeds
    # WHEN both are queried
    body = tiny_server.gql("{ version failing }")
    # THEN the failing field is null, the other resolves, and the error has AppSync's keys in order
    assert body["data"] == {"version": "v1", "failing": None}
    assert body["errors"] == [
        {
            "path": ["failing"],
            "data": None,
            "errorType": "NoteNotFound",
            "errorInfo": None,
            "locations": _location(1, 11),
            "message": "Note n42 does not exist",
        }
    ]
    assert list(body["errors"][0]) == [
        "path",
        "data",
        "errorType",
        "errorInfo",
        "locations",
        "message",
    ]


def test_unauthorized_exception_gets_appsyncs_fixed_message(tiny_server) -> None:
    # GIVEN a resolver that raises UnauthorizedException("secret internal reason")
    # WHEN it is queried
    body = tiny_server.gql("{ forbidden }")
    # THEN AppSync's default message replaces the exception's
    assert body["errors"][0]["errorType"] == "UnauthorizedException"
    assert body["errors"][0]["message"] == "You are not authorized to make this call."


def test_root_mutation_returns_the_handlers_value(tiny_server) -> None:
    # GIVEN a wired root mutation
    # WHEN it runs
    body = tiny_server.gql('mutation { addNote(text: "hello") { id text } }')
    # THEN the mutation succeeds with the handler's value
    assert body == {"data": {"addNote": {"id": "n99", "text": "hello"}}}


def test_directive_denial_is_a_per_field_unauthorized_error(tiny_server) -> None:
    # GIVEN a field only IAM callers may read, asked by an API key caller
    # WHEN it is queried with an allowed field
    body = tiny_server.gql("{ version secret }")
    # THEN only that field is null, with AppSync's Unauthorized error
    assert body["data"] == {"version": "v1", "secret": None}
    assert body["errors"] == [
        {
            "path": ["secret"],
            "data": None,
            "errorType": "Unauthorized",
            "errorInfo": None,
            "locations": _location(1, 11),
            "message": "Not Authorized to access secret on type Query",
        }
    ]


def test_non_null_error_nulls_the_nearest_nullable_parent(tiny_server) -> None:
    # GIVEN a list of nullable notes where note 1 lacks its non-null title
    # WHEN the titles are queried
    body = tiny_server.gql("{ notes(count: 3, untitledAt: 1) { id strictTitle } }")
    # THEN only that list item is null, and the error has no errorType and null locations
    assert body["data"]["notes"] == [
        {"id": "n0", "strictTitle": "Title 0"},
        None,
        {"id": "n2", "strictTitle": "Title 2"},
    ]
    assert body["errors"] == [
        {
            "path": ["notes", 1, "strictTitle"],
            "locations": None,
            "message": (
                "Cannot return null for non-nullable type: 'String' within parent 'Note'"
                " (/notes[1]/strictTitle)"
            ),
        }
    ]


def test_non_null_error_at_the_root_nulls_all_data(tiny_server) -> None:
    # GIVEN a non-null root field whose object lacks a non-null field
    # WHEN it is queried
    body = tiny_server.gql("{ mustNote { id strictTitle } }")
    # THEN data itself is null
    assert body["data"] is None
    assert body["errors"][0]["path"] == ["mustNote", "strictTitle"]


def test_output_coercion_error_is_appsync_shaped(tiny_server) -> None:
    # GIVEN an Int field whose resolver returns a word
    # WHEN it is queried
    body = tiny_server.gql("{ wrongInt }")
    # THEN graphql-java's serialization error is reported without errorType
    assert body == {
        "data": {"wrongInt": None},
        "errors": [
            {
                "path": ["wrongInt"],
                "locations": None,
                "message": "Can't serialize value (/wrongInt) : Expected type 'Int' but was 'String'.",
            }
        ],
    }


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "{ nope }",
            "Validation error of type FieldUndefined: Field 'nope' in type 'Query' is undefined @ 'nope'",
        ),
        (
            "{ notes { id } }",
            "Validation error of type MissingFieldArgument: Missing field argument count @ 'notes'",
        ),
        (
            "{ notes(count: 1, sort: 2) { id } }",
            "Validation error of type UnknownArgument: Unknown field argument sort @ 'notes'",
        ),
        (
            "{ notes(count: 1) }",
            (
                "Validation error of type SubSelectionRequired: Sub selection required for type Note"
                " of field notes @ 'notes'"
            ),
        ),
        (
            "{ version { x } }",
            (
                "Validation error of type SubSelectionNotAllowed: Sub selection not allowed on leaf"
                " type String of field version @ 'version'"
            ),
        ),
        (
            "{ notes(count: $n) { id } }",
            "Validation error of type UndefinedVariable: Undefined variable n @ 'notes'",
        ),
        (
            "query($n: Int) { version }",
            "Validation error of type UnusedVariable: Unused variable n",
        ),
        (
            '{ notes(count: "two") { id } }',
            (
                "Validation error of type WrongType: argument 'count' with value"
                " 'StringValue{value='two'}' is not a valid 'Int' @ 'notes'"
            ),
        ),
        (
            "{ echo(filter: {limit: 1}) { event } }",
            (
                "Validation error of type WrongType: argument 'filter' with value 'ObjectValue{"
                "objectFields=[ObjectField{name='limit', value=IntValue{value=1}}]}' is missing"
                " required fields '[text]' @ 'echo'"
            ),
        ),
    ],
)
def test_validation_errors_read_like_appsyncs(tiny_server, query: str, message: str) -> None:
    # GIVEN a query that fails validation
    # WHEN it is sent
    response = tiny_server.post(query)
    # THEN the answer is HTTP 200, data null, and graphql-java's message with path null
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert [error["message"] for error in body["errors"]] == [message]
    assert body["errors"][0]["path"] is None
    assert "errorType" not in body["errors"][0]


def test_bad_variables_are_reported_before_any_invocation(tiny_server) -> None:
    # GIVEN variables that do not fit their declared types
    tiny_server.gql("{ invocations { field } }")  # clear the handler's log
    query = "query($n: Int!, $f: NoteFilter) { notes(count: $n) { id } echo(filter: $f) { event } }"
    # WHEN a required one is missing, one has the wrong type, or a nested field is null
    missing = tiny_server.gql(query, {})
    wrong = tiny_server.gql(query, {"n": "three"})
    nested = tiny_server.gql(query, {"n": 1, "f": {"text": None}})
    # THEN graphql-java's variable messages come back with data null
    assert missing["data"] is None
    assert missing["errors"][0]["message"] == (
        "Variable 'n' has coerced Null value for NonNull type 'Int!'"
    )
    assert wrong["errors"][0]["message"] == (
        "Variable 'n' has an invalid value: Expected type 'Int' but was 'String'."
    )
    assert nested["errors"][0]["message"] == (
        "Field 'text' of variable 'f' has coerced Null value for NonNull type 'String!'"
    )
    assert missing["errors"][0]["path"] is None
    # AND no handler ran
    log = tiny_server.gql("{ invocations { field } }")["data"]["invocations"]
    assert log == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "Request body is empty."),
        (b"   ", "Request body is empty."),
        (b"{not json", "Unable to parse GraphQL query."),
        (b'{"query": "{ version"}', "Unable to parse GraphQL query."),
        (b'{"variables": {}}', "Unable to parse GraphQL query."),
        (b'[{"query": "{ version }"}]', "Unable to parse GraphQL query."),
    ],
)
def test_malformed_requests_are_http_400(tiny_server, body: bytes, message: str) -> None:
    # GIVEN a request body AppSync cannot use
    # WHEN it is posted with valid credentials
    response = tiny_server.client.post(
        tiny_server.graphql_url,
        content=body,
        headers={"x-api-key": tiny_server.api_key, "content-type": "application/json"},
    )
    # THEN it is a 400 MalformedHttpRequestException
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"errorType": "MalformedHttpRequestException", "message": message}]
    }


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Valid authorization header not provided."),
        ({"x-api-key": "da2-wrong"}, "You are not authorized to make this call."),
    ],
)
def test_bad_credentials_are_http_401(tiny_server, headers: dict[str, str], message: str) -> None:
    # GIVEN a request without, or with a wrong, API key
    # WHEN it is posted
    response = tiny_server.post("{ version }", headers=headers)
    # THEN it is a 401 UnauthorizedException
    assert response.status_code == 401
    assert response.json() == {
        "errors": [{"errorType": "UnauthorizedException", "message": message}]
    }


def test_the_log_says_which_credential_a_401_came_with(tiny_server, caplog) -> None:
    caplog.set_level(logging.INFO, logger="devserver.auth")
    # WHEN requests come without credentials (an unset $API_KEY), and with a wrong key
    tiny_server.post("{ version }", headers={})
    tiny_server.post("{ version }", headers={"x-api-key": "da2-wrong"})
    # THEN the log says what was sent, never the key itself
    lines = [r.getMessage() for r in caplog.records if "not authenticated" in r.getMessage()]
    missing = "no x-api-key or Authorization header): Valid authorization header not provided."
    assert lines == [
        f"request not authenticated ({missing}",
        "request not authenticated (sent x-api-key): You are not authorized to make this call.",
    ]


@pytest.fixture(scope="module")
def unhandled_style_server(devserver, tiny_config_factory) -> Iterator[Any]:
    with devserver(tiny_config_factory(error_type_style="lambda_unhandled")) as server:
        yield server


def test_lambda_unhandled_compatibility_switch(unhandled_style_server) -> None:
    # GIVEN the "Lambda:Unhandled" compatibility style (template-based setups)
    # WHEN a resolver raises
    body = unhandled_style_server.gql("{ failing }")
    # THEN the errorType is Lambda:Unhandled and the message is the exception's
    assert body["errors"][0]["errorType"] == "Lambda:Unhandled"
    assert body["errors"][0]["message"] == "Note n42 does not exist"


def test_health_and_jwks_endpoints(tiny_server) -> None:
    # GIVEN a running server
    # WHEN its health and JWKS endpoints are read
    health = tiny_server.client.get(f"{tiny_server.base_url}/health").json()
    jwks = tiny_server.client.get(f"{tiny_server.base_url}/.well-known/jwks.json").json()
    # THEN it reports its runtime generation and publishes the local signing key
    assert health["status"] == "ok"
    assert health["lastReloadError"] is None
    assert jwks["keys"][0]["kty"] == "RSA"
