"""Value literals as graphql-java judges and prints them in `WrongType` validation errors.

graphql-java quotes the literal's AST `toString()` (`StringValue{value='x'}`) and names the
failing spot with a dotted path below the argument (`input.tags[1]`); see ArgumentValidationUtil.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphql import (
    BooleanValueNode,
    EnumValueNode,
    FloatValueNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    VariableNode,
    is_required_input_field,
)
from graphql.pyutils import Undefined

if TYPE_CHECKING:
    from collections.abc import Sequence

_JAVA_LITERALS: dict[type[ValueNode], str] = {
    StringValueNode: "StringValue{{value='{}'}}",
    IntValueNode: "IntValue{{value={}}}",
    FloatValueNode: "FloatValue{{value={}}}",
    EnumValueNode: "EnumValue{{name='{}'}}",
}


def java_ast(node: ValueNode) -> str:
    """graphql-java's `toString()` of a value literal, which its messages quote."""
    template = _JAVA_LITERALS.get(type(node))
    if template is not None:
        return template.format(node.value)  # type: ignore[attr-defined]
    if isinstance(node, BooleanValueNode):
        return f"BooleanValue{{value={'true' if node.value else 'false'}}}"
    if isinstance(node, VariableNode):
        return f"VariableReference{{name='{node.name.value}'}}"
    if isinstance(node, ListValueNode):
        return "ArrayValue{values=[" + ", ".join(java_ast(value) for value in node.values) + "]}"
    if isinstance(node, ObjectValueNode):
        fields = ", ".join(
            f"ObjectField{{name='{field.name.value}', value={java_ast(field.value)}}}"
            for field in node.fields
        )
        return f"ObjectValue{{objectFields=[{fields}]}}"
    return "NullValue{}"


class LiteralProblem(Exception):  # noqa: N818 - a control-flow signal, not an error type
    def __init__(self, path: Sequence[str], value: ValueNode, reason: str) -> None:
        super().__init__(reason)
        self.path = list(path)
        self.value = value
        self.reason = reason


def check_literal(node: ValueNode, type_: GraphQLInputType, path: Sequence[str] = ()) -> None:
    """Raise `LiteralProblem` where graphql-java's ArgumentValidationUtil would object."""
    if isinstance(node, VariableNode):
        return  # checked against the variable's type by VariablesInAllowedPosition
    if isinstance(type_, GraphQLNonNull):
        if isinstance(node, NullValueNode):
            raise LiteralProblem(path, node, "must not be null")
        check_literal(node, type_.of_type, path)
        return
    if isinstance(node, NullValueNode):
        return
    if isinstance(type_, GraphQLList):
        items = node.values if isinstance(node, ListValueNode) else (node,)
        for index, item in enumerate(items):
            check_literal(item, type_.of_type, [*path, f"[{index}]"])
        return
    if isinstance(type_, GraphQLInputObjectType):
        _check_object_literal(node, type_, path)
    elif not _leaf_accepts(type_, node):
        raise LiteralProblem(path, node, f"is not a valid '{type_}'")


def _leaf_accepts(type_: GraphQLEnumType | GraphQLScalarType, node: ValueNode) -> bool:
    if isinstance(type_, GraphQLEnumType):
        return isinstance(node, EnumValueNode) and node.value in type_.values
    return _scalar_accepts(type_, node)


def _check_object_literal(
    node: ValueNode, type_: GraphQLInputObjectType, path: Sequence[str]
) -> None:
    if not isinstance(node, ObjectValueNode):
        raise LiteralProblem(path, node, "must be an object type")
    given = {field.name.value: field for field in node.fields}
    for name in given:
        if name not in type_.fields:
            raise LiteralProblem(path, node, f"contains a field not in '{type_.name}': '{name}'")
    missing = [
        name
        for name, field in type_.fields.items()
        if is_required_input_field(field) and name not in given
    ]
    if missing:
        raise LiteralProblem(path, node, f"is missing required fields '[{', '.join(missing)}]'")
    for name, field_node in given.items():
        check_literal(field_node.value, type_.fields[name].type, [*path, name])


def _scalar_accepts(type_: GraphQLScalarType, node: ValueNode) -> bool:
    try:
        if type_.coerce_input_literal is not None:
            value = type_.coerce_input_literal(node)  # type: ignore[arg-type]
        else:
            value = type_.parse_literal(node, None)
    except Exception:  # noqa: BLE001 - any scalar failure is a WrongType, as in graphql-java
        return False
    return value is not None and value is not Undefined


def argument_message(argument: str, problem: LiteralProblem) -> str:
    name = argument + "".join(part if part.startswith("[") else f".{part}" for part in problem.path)
    return f"argument '{name}' with value '{java_ast(problem.value)}' {problem.reason}"
