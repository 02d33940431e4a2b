"""AWS scalars and graphql-java's built-in output coercion (semantics §7, §1.3)."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import IntValueNode, ObjectValueNode, StringValueNode

from devserver.coercion import (
    OutputError,
    java_string,
    serialize_boolean,
    serialize_id,
    serialize_int,
    serialize_string,
)
from devserver.scalars import AWS_SCALARS, ScalarError

VALID = {
    "AWSDate": ["1970-01-01", "-2017-05-01", "1970-01-01Z", "1970-01-01-07:00", "2024-02-29+05:30"],
    "AWSTime": ["12:30", "12:30Z", "12:30:24-07:00", "12:30:24.500+05:30", "23:59:59.123456789"],
    "AWSDateTime": ["1970-01-01T12:30Z", "2024-05-01T10:00:00.123-07:00", "-0044-03-15T12:00:00Z"],
    "AWSTimestamp": [0, -1, 1700000000, 31556889864403199],
    "AWSEmail": ["username@example.com", "first.last+tag@sub.example.co.uk"],
    "AWSJSON": ['{"a": 1}', "[1, 2]", "3", '"text"', "null", "true"],
    "AWSURL": ["http://localhost/", "https://example.com/a?b=c#d", "mailto:a@b.com", "ftp://x.y/z"],
    "AWSPhone": ["206-555-0100", "+1 206 555 0100", "+44 20 7946 0958", "12065550100"],
    "AWSIPAddress": ["10.0.0.1", "1a2b:3c4b::1234:4567", "123.45.67.89/16", "::1"],
}
INVALID = {
    "AWSDate": [
        "2023-02-29",
        "2024-02-30",
        "2024-00-10",
        "2024-06-00",
        "1970-1-1",
        "1970-01-01T00:00Z",
        "1970-01-01+19:00",
        19700101,
    ],
    "AWSTime": ["24:00", "12:60", "12:30:60", "12:30:24.", "12:30:24.1234567890", "noon"],
    # The right shape but an impossible date, time or offset: each check fails alone.
    "AWSDateTime": [
        "2024-05-01T10:00:00",
        "2024-05-01 10:00:00Z",
        "2024-05-01",
        "2024-13-45T25:61:00Z",
        "2023-02-29T10:00:00Z",
        "2024-02-30T10:00:00Z",
        "2024-04-31T10:00Z",
        "2024-05-01T24:00:00Z",
        "2024-05-01T10:60:00Z",
        "2024-05-01T10:00:60Z",
        "2024-05-01T10:00:00+18:01",
    ],
    "AWSTimestamp": ["1700000000", 1.5, True, 31556889864403200],
    "AWSEmail": ["username", "a b@example.com", "@example.com", "a@"],
    "AWSJSON": ["{a: 1}", "{'a': 1}", "hello", "NaN", {"a": 1}],
    "AWSURL": ["example.com", "http://", "http://x.com//a", "has space://x"],
    "AWSPhone": ["call me", "555-0100", "+12", "1-2-3"],
    "AWSIPAddress": ["256.0.0.1", "1.2.3", "::g", " 10.0.0.1"],
}


@pytest.mark.parametrize(("name", "value"), [(n, v) for n, vs in VALID.items() for v in vs])
def test_valid_values_parse(name: str, value: Any) -> None:
    # GIVEN a value AppSync's description of the scalar accepts
    # WHEN it arrives as a variable
    parsed = AWS_SCALARS[name].parse_value(value)
    # THEN it is accepted (AWSJSON parsed, the others unchanged)
    assert parsed is not None or value == "null"


@pytest.mark.parametrize(("name", "value"), [(n, v) for n, vs in INVALID.items() for v in vs])
def test_invalid_values_are_rejected_with_appsyncs_wording(name: str, value: Any) -> None:
    # GIVEN a value the scalar rejects
    scalar = AWS_SCALARS[name]
    # WHEN it is parsed as a variable or serialized as a result
    with pytest.raises(ScalarError) as parsing:
        scalar.parse_value(value)
    with pytest.raises(ScalarError) as serializing:
        scalar.serialize(value) if name != "AWSJSON" else scalar.serialize(str(value))
    # THEN both messages quote the value and name what was expected
    assert parsing.value.args[0].startswith("Unable to parse `")
    assert serializing.value.args[0].startswith("Unable to serialize `")
    assert serializing.value.args[0].endswith(f" as a valid {scalar.noun}.")


def test_awsjson_results_are_encoded_compactly() -> None:
    # GIVEN a resolver result for an AWSJSON field that is an object, and one that is JSON text
    scalar = AWS_SCALARS["AWSJSON"]
    # WHEN each is serialized
    # THEN objects become compact JSON text and valid JSON text passes through unchanged
    assert scalar.serialize({"a": [1, None], "b": "é"}) == '{"a":[1,null],"b":"é"}'
    assert scalar.serialize('{"a": 1}') == '{"a": 1}'


def test_literals_must_have_the_right_ast_kind() -> None:
    # GIVEN literals as written in a query
    json_scalar, timestamp = AWS_SCALARS["AWSJSON"], AWS_SCALARS["AWSTimestamp"]
    # WHEN they are parsed
    # THEN AWSJSON takes only a string holding JSON, and AWSTimestamp only an integer
    assert json_scalar.parse_literal(StringValueNode(value='{"a": 1}')) == {"a": 1}
    assert timestamp.parse_literal(IntValueNode(value="42")) == 42
    with pytest.raises(ScalarError):
        json_scalar.parse_literal(ObjectValueNode(fields=()))
    with pytest.raises(ScalarError):
        timestamp.parse_literal(StringValueNode(value="42"))


@pytest.mark.parametrize(
    ("serialize", "value", "expected"),
    [
        (serialize_int, "42", 42),
        (serialize_int, 7.0, 7),
        (serialize_string, 5, "5"),
        (serialize_string, True, "true"),
        (serialize_string, 1.5, "1.5"),
        (serialize_string, {"a": 1}, "{a=1}"),
        (serialize_boolean, "TRUE", True),
        (serialize_boolean, 0, False),
        (serialize_id, 12, "12"),
    ],
)
def test_builtin_output_coercion_is_as_lenient_as_graphql_java(
    serialize: Any, value: Any, expected: Any
) -> None:
    # GIVEN a result value of a loose JSON type
    # WHEN a built-in scalar serializes it
    # THEN graphql-java's conversions apply
    assert serialize(value) == expected


@pytest.mark.parametrize(
    ("serialize", "value", "message"),
    [
        (serialize_int, "forty-two", "Expected type 'Int' but was 'String'."),
        (serialize_int, 1.5, "Expected type 'Int' but was 'Double'."),
        (serialize_int, 2**31, "Expected type 'Int' but was 'Long'."),
        (serialize_int, True, "Expected type 'Int' but was 'Boolean'."),
        (serialize_boolean, "yes", "Expected type 'Boolean' but was 'String'."),
        (serialize_id, 1.5, "Expected type 'ID' but was 'Double'."),
        (serialize_id, [1], "Expected type 'ID' but was 'ArrayList'."),
    ],
)
def test_builtin_output_coercion_errors_name_java_types(
    serialize: Any, value: Any, message: str
) -> None:
    # GIVEN a result value a built-in scalar cannot represent
    # WHEN it is serialized
    with pytest.raises(OutputError) as error:
        serialize(value)
    # THEN the reason reads like graphql-java's
    assert str(error.value) == message


def test_java_string_prints_doubles_like_java() -> None:
    # GIVEN doubles in and out of Double.toString's plain range
    # WHEN they are printed
    # THEN they use Java's notation
    assert [java_string(v) for v in (1.0, 0.001, 1e7, 1.5e-5, 12345678.9)] == [
        "1.0",
        "0.001",
        "1.0E7",
        "1.5E-5",
        "1.23456789E7",
    ]
