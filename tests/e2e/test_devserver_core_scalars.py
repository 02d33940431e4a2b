"""AWS scalars over HTTP: literals, variables and results, valid and not (semantics §7)."""

from __future__ import annotations

import json

import pytest

STAMP_FIELDS = "date time at ts email url phone ip json"


def test_valid_literals_reach_the_handler_and_come_back(tiny_server) -> None:
    # GIVEN one valid literal per AWS scalar
    query = """{ stamp(input: {
        date: "1970-01-01-07:00", time: "12:30:24.500+05:30", at: "2024-05-01T10:00:00.123Z",
        ts: -1, email: "jdoe@example.com", url: "http://localhost/", phone: "+44 20 7946 0958",
        ip: "10.0.0.1/16", json: "{\\"a\\": [1, true, null]}"
    }) { FIELDS } }""".replace("FIELDS", STAMP_FIELDS)
    # WHEN the handler echoes its input
    body = tiny_server.gql(query)
    # THEN every value survives the round trip; AWSJSON comes back re-encoded compactly
    assert "errors" not in body
    assert body["data"]["stamp"] == {
        "date": "1970-01-01-07:00",
        "time": "12:30:24.500+05:30",
        "at": "2024-05-01T10:00:00.123Z",
        "ts": -1,
        "email": "jdoe@example.com",
        "url": "http://localhost/",
        "phone": "+44 20 7946 0958",
        "ip": "10.0.0.1/16",
        "json": '{"a":[1,true,null]}',
    }


def test_valid_variables_reach_the_handler_parsed(tiny_server) -> None:
    # GIVEN AWS scalar values passed as variables
    variables = {"i": {"date": "2024-02-29", "json": '{"k": "v"}', "ts": 1700000000}}
    # WHEN the handler echoes them
    body = tiny_server.gql("query($i: StampInput) { stamp(input: $i) { date json ts } }", variables)
    # THEN they are accepted and returned
    assert body == {
        "data": {"stamp": {"date": "2024-02-29", "json": '{"k":"v"}', "ts": 1700000000}}
    }


@pytest.mark.parametrize(
    ("field", "literal", "printed", "scalar"),
    [
        ("date", '"2023-02-29"', "StringValue{value='2023-02-29'}", "AWSDate"),
        ("time", '"24:00"', "StringValue{value='24:00'}", "AWSTime"),
        ("at", '"2024-05-01T10:00:00"', "StringValue{value='2024-05-01T10:00:00'}", "AWSDateTime"),
        ("ts", '"1700000000"', "StringValue{value='1700000000'}", "AWSTimestamp"),
        ("email", '"jdoe"', "StringValue{value='jdoe'}", "AWSEmail"),
        ("url", '"example.com"', "StringValue{value='example.com'}", "AWSURL"),
        ("phone", '"call me"', "StringValue{value='call me'}", "AWSPhone"),
        ("ip", '"256.0.0.1"', "StringValue{value='256.0.0.1'}", "AWSIPAddress"),
        (
            "json",
            "{a: 1}",
            "ObjectValue{objectFields=[ObjectField{name='a', value=IntValue{value=1}}]}",
            "AWSJSON",
        ),
        ("json", '"{a: 1}"', "StringValue{value='{a: 1}'}", "AWSJSON"),
    ],
)
def test_invalid_literals_fail_validation(
    tiny_server, field: str, literal: str, printed: str, scalar: str
) -> None:
    # GIVEN an invalid literal for an AWS scalar inside an input object
    # WHEN it is sent
    body = tiny_server.gql(f"{{ stamp(input: {{{field}: {literal}}}) {{ date }} }}")
    # THEN validation rejects the request with graphql-java's WrongType message
    assert body["data"] is None
    assert body["errors"][0]["message"] == (
        f"Validation error of type WrongType: argument 'input.{field}' with value '{printed}'"
        f" is not a valid '{scalar}' @ 'stamp'"
    )


@pytest.mark.parametrize(
    ("field", "value", "noun"),
    [
        ("date", "2024-13-01", "Date Object"),
        ("at", "2024-05-01 10:00:00Z", "DateTime Object"),
        ("at", "2024-02-30T10:00:00Z", "DateTime Object"),
        ("at", "2024-13-45T25:61:00Z", "DateTime Object"),
        ("ts", 1.5, "timestamp"),
        ("json", "{'a': 1}", "JSON"),
        ("json", {"a": 1}, "JSON"),
        ("email", "a b@example.com", "email address"),
    ],
)
def test_invalid_variables_are_rejected(tiny_server, field: str, value: object, noun: str) -> None:
    # GIVEN an invalid AWS scalar value in a variable
    # WHEN it is sent
    body = tiny_server.gql(
        "query($i: StampInput) { stamp(input: $i) { date } }", {"i": {field: value}}
    )
    # THEN the request fails before execution, naming the variable
    assert body["data"] is None
    message = body["errors"][0]["message"]
    assert message.startswith("Variable 'i' has an invalid value: Unable to parse `")
    assert message.endswith(f"` as a valid {noun}.")


def test_invalid_results_null_the_field_with_a_serialization_error(tiny_server) -> None:
    # GIVEN a resolver returning a value no AWS scalar accepts, for every scalar
    # WHEN they are queried
    body = tiny_server.gql(f"{{ badStamp {{ {STAMP_FIELDS} }} }}")
    # THEN each field is null with AppSync's "Can't serialize value" error
    assert body["data"]["badStamp"] == dict.fromkeys(STAMP_FIELDS.split())
    messages = {error["path"][1]: error["message"] for error in body["errors"]}
    assert messages["ts"] == (
        "Can't serialize value (/badStamp/ts) : Unable to serialize `2026-01-01T00:00:00Z`"
        " as a valid timestamp."
    )
    assert messages["at"] == (
        "Can't serialize value (/badStamp/at) : Unable to serialize `2024-05-01T10:00:00`"
        " as a valid DateTime Object."
    )
    assert set(messages) == set(STAMP_FIELDS.split())
    assert all(error["locations"] is None for error in body["errors"])
    assert json.dumps(body).count("errorType") == 0
