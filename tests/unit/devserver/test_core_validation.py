"""AppSync's (graphql-java's) validation and variable messages, produced from graphql-core's rules."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLSchema, OperationDefinitionNode, build_schema, parse

from devserver.appsync.prelude import with_prelude
from devserver.appsync.scalars import install_aws_scalars
from devserver.appsync.validation import validate_document
from devserver.appsync.variables import check_variables

SCHEMA = """
enum Color { RED GREEN }
input ItemInput { name: String! qty: Int tags: [String!] color: Color }
type Item { id: ID! name: String }
type Query {
  item(id: ID!, on: AWSDate, data: AWSJSON): Item
  items(input: ItemInput, first: Int = 10): [Item]
  ping: String
}
"""


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    built = build_schema(with_prelude(SCHEMA))
    install_aws_scalars(built)
    return built


def _messages(schema: GraphQLSchema, query: str) -> list[str]:
    return [error.message for error in validate_document(schema, parse(query))]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ ping }", []),
        (
            "{ item(id: 1) { nope } }",
            ["FieldUndefined: Field 'nope' in type 'Item' is undefined @ 'item/nope'"],
        ),
        (
            "{ items(input: {name: 1, color: BLUE}) { id } }",
            [
                (
                    "WrongType: argument 'input.name' with value 'IntValue{value=1}' is not a valid"
                    " 'String' @ 'items'"
                )
            ],
        ),
        (
            '{ items(input: {name: "a", tags: ["x", null]}) { id } }',
            [
                "WrongType: argument 'input.tags[1]' with value 'NullValue{}' must not be null @ 'items'"
            ],
        ),
        (
            '{ items(input: {name: "a", extra: true}) { id } }',
            [
                (
                    "WrongType: argument 'input' with value 'ObjectValue{objectFields=[ObjectField{"
                    "name='name', value=StringValue{value='a'}}, ObjectField{name='extra', "
                    "value=BooleanValue{value=true}}]}' contains a field not in 'ItemInput': 'extra'"
                    " @ 'items'"
                )
            ],
        ),
        (
            '{ item(id: "1", data: "{bad}") { id } }',
            [
                (
                    "WrongType: argument 'data' with value 'StringValue{value='{bad}'}' is not a"
                    " valid 'AWSJSON' @ 'item'"
                )
            ],
        ),
        (
            "query($c: Int) { items(input: {name: $c}) { id } }",
            [
                "VariableTypeMismatch: Variable type 'Int' doesn't match expected type 'String!' @ 'items'"
            ],
        ),
        (
            "{ ...F } fragment F on Query { ping } fragment G on Query { ping }",
            ["UnusedFragment: Unused fragment G"],
        ),
        ("{ ...Missing }", ["UndefinedFragment: Undefined fragment Missing"]),
        ("{ ping @unknown }", ["UnknownDirective: Unknown directive unknown @ 'ping'"]),
        ("{ ping @include }", ["MissingDirectiveArgument: Missing directive argument if @ 'ping'"]),
        (
            'query($x: Int = "a") { items(first: $x) { id } }',
            ["BadValueForDefaultArg: Bad default value StringValue{value='a'} for type Int"],
        ),
        (
            "query A { ping } query A { ping }",
            ["DuplicateOperationName: There can be only one operation named A"],
        ),
        (
            "query($v: Item) { ping }",
            [
                "UnusedVariable: Unused variable v",
                "NonInputTypeOnVariable: Wrong type for a variable",
            ],
        ),
    ],
)
def test_validation_messages(schema: GraphQLSchema, query: str, expected: list[str]) -> None:
    # GIVEN a query with (or without) a validation problem
    # WHEN it is validated
    messages = _messages(schema, query)
    # THEN each problem reads as AppSync reports it
    assert messages == [f"Validation error of type {text}" for text in expected]


def test_validation_errors_are_request_shaped(schema: GraphQLSchema) -> None:
    # GIVEN an invalid query spanning two lines
    errors = validate_document(schema, parse("{\n  nope\n}"))
    # WHEN the error is formatted
    formatted: dict[str, Any] = dict(errors[0].formatted)
    # THEN it has a null path, a location with sourceName, and no errorType
    assert formatted == {
        "path": None,
        "locations": [{"line": 2, "column": 3, "sourceName": None}],
        "message": "Validation error of type FieldUndefined: Field 'nope' in type 'Query' is undefined @ 'nope'",
    }


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"id": "1", "input": {"name": "a"}}, []),
        ({}, ["Variable 'id' has coerced Null value for NonNull type 'ID!'"]),
        ({"id": None}, ["Variable 'id' has coerced Null value for NonNull type 'ID!'"]),
        (
            {"id": "1", "input": {"qty": 1}},
            ["Field 'name' of variable 'input' has coerced Null value for NonNull type 'String!'"],
        ),
        (
            {"id": True},
            ["Variable 'id' has an invalid value: Expected type 'ID' but was 'Boolean'."],
        ),
        (
            {"id": "1", "input": {"name": "a", "color": "BLUE"}},
            [
                (
                    "Variable 'input' has an invalid value: Invalid input for Enum 'Color'. No value"
                    " found for name 'BLUE'"
                )
            ],
        ),
        (
            {"id": "1", "input": {"name": "a", "other": 1}},
            [
                (
                    "The variables input contains a field name 'other' that is not defined for input"
                    " object type 'ItemInput'"
                )
            ],
        ),
        (
            {"id": "1", "on": "2024-02-30"},
            [
                "Variable 'on' has an invalid value: Unable to parse `2024-02-30` as a valid Date Object."
            ],
        ),
        (
            {"id": "1", "input": "name"},
            [
                (
                    "Variable 'input' has an invalid value: Expected type 'Map' but was 'String'."
                    " Variables for input objects must be an instance of type 'Map'."
                )
            ],
        ),
    ],
)
def test_variable_messages(
    schema: GraphQLSchema, values: dict[str, Any], expected: list[str]
) -> None:
    # GIVEN an operation declaring typed variables
    document = parse(
        "query($id: ID!, $on: AWSDate, $input: ItemInput) {"
        " item(id: $id, on: $on) { id } items(input: $input) { id } }"
    )
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    # WHEN values are checked against the declarations
    errors = check_variables(schema, operation, values)
    # THEN each bad variable gets graphql-java's message
    assert [error.message for error in errors] == expected
