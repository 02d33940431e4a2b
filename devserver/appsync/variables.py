"""Variable checks with AppSync's messages (semantics §7, §9), run before graphql-core coerces.

graphql-java's texts: "Variable 'x' has coerced Null value for NonNull type 'String!'" for a
missing or null required value, "Field 'f' of variable 'x' has coerced Null value …" inside
input objects, and "Variable 'x' has an invalid value: <reason>" for a value the type rejects.
The last one's exact punctuation and reasons are UNCONFIRMED.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    OperationDefinitionNode,
    type_from_ast,
)
from graphql.pyutils import Undefined

from devserver.appsync.coercion import java_string, java_type_name
from devserver.appsync.errors import AppSyncError, request_error
from devserver.appsync.scalars import ScalarError


class _Invalid(Exception):  # noqa: N818 - a control-flow signal carrying the final message
    pass


def check_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, values: Mapping[str, Any]
) -> list[AppSyncError]:
    """One AppSync error per variable whose value the operation's declaration rejects."""
    errors = []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        var_type = type_from_ast(schema, definition.type)
        if var_type is None:
            continue  # an unknown type is a validation error, reported earlier
        value = values.get(name, Undefined)
        if value is Undefined and definition.default_value is not None:
            continue
        try:
            _check(value, var_type, name, None)  # type: ignore[arg-type]
        except _Invalid as invalid:
            errors.append(request_error(str(invalid), definition))
    return errors


def _null_message(variable: str, field: str | None, type_: GraphQLInputType) -> str:
    subject = f"Field '{field}' of variable '{variable}'" if field else f"Variable '{variable}'"
    return f"{subject} has coerced Null value for NonNull type '{type_}'"


def _check(value: Any, type_: GraphQLInputType, variable: str, field: str | None) -> None:
    if isinstance(type_, GraphQLNonNull):
        if value is None or value is Undefined:
            raise _Invalid(_null_message(variable, field, type_))
        _check(value, type_.of_type, variable, field)
        return
    if value is None or value is Undefined:
        return
    if isinstance(type_, GraphQLList):
        for item in value if isinstance(value, list) else [value]:
            _check(item, type_.of_type, variable, field)
        return
    if isinstance(type_, GraphQLInputObjectType):
        _check_object(value, type_, variable)
        return
    reason = _leaf_problem(value, type_)
    if reason is not None:
        raise _Invalid(f"Variable '{variable}' has an invalid value: {reason}")


def _check_object(value: Any, type_: GraphQLInputObjectType, variable: str) -> None:
    if not isinstance(value, Mapping):
        raise _Invalid(
            f"Variable '{variable}' has an invalid value: Expected type 'Map' but was "
            f"'{java_type_name(value)}'. Variables for input objects must be an instance of "
            "type 'Map'."
        )
    for key in value:
        if key not in type_.fields:
            raise _Invalid(
                f"The variables input contains a field name '{key}' that is not defined for "
                f"input object type '{type_.name}'"
            )
    for name, field in type_.fields.items():
        field_value = value.get(name, Undefined)
        if field_value is Undefined and field.default_value is not Undefined:
            continue
        _check(field_value, field.type, variable, name)


def _leaf_problem(value: Any, type_: GraphQLScalarType | GraphQLEnumType) -> str | None:
    try:
        coerced = type_.coerce_input_value(value)
    except ScalarError as error:
        return str(error)
    except Exception:  # noqa: BLE001 - graphql-core's own wording is replaced below
        coerced = Undefined
    if coerced is not Undefined:
        return None
    if isinstance(type_, GraphQLEnumType):
        return (
            f"Invalid input for Enum '{type_.name}'. No value found for name '{java_string(value)}'"
        )
    return f"Expected type '{type_.name}' but was '{java_type_name(value)}'."
