"""What a mutation publishes: its result as its caller received it, keyed by field name.

AppSync publishes the mutation's selection set, not the resolver's full answer (semantics §5.2),
so the starting point is the value the mutation's caller received. That value is keyed by the
caller's aliases, while subscribers select by field name, so aliases are undone here: an
aliased `myId: id` publishes `id` (how AppSync treats mutation aliases is UNCONFIRMED). The
listener sees the selection set but not the document's fragment definitions, so fields selected
through a named fragment spread are kept under their response keys when those are field names
of the type (aliases inside named fragments are lost).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    get_named_type,
)

if TYPE_CHECKING:
    from graphql import GraphQLNamedType, GraphQLOutputType, GraphQLSchema, SelectionSetNode

    from devserver.engine import MutationCompleted


def published_value(schema: GraphQLSchema, event: MutationCompleted) -> Any:
    """The payload `@aws_subscribe` delivers for one completed root mutation field."""
    mutation = schema.mutation_type
    field = mutation.fields.get(event.field_name) if mutation else None
    if field is None:
        return event.value
    return _unalias(schema, event.value, event.selection_set, field.type)


def _unalias(
    schema: GraphQLSchema,
    value: Any,
    selection_set: SelectionSetNode | None,
    type_: GraphQLOutputType,
) -> Any:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if value is None or selection_set is None:
        return value
    if isinstance(type_, GraphQLList):
        if not isinstance(value, list):
            return value
        return [_unalias(schema, item, selection_set, type_.of_type) for item in value]
    if not isinstance(value, dict):
        return value
    parent = _concrete(schema, get_named_type(type_), value)
    published: dict[str, Any] = {}
    consumed: set[str] = set()
    if _collect(schema, value, selection_set, parent, published, consumed):
        # A named fragment contributed fields we cannot see: keep what looks like a field.
        for key, item in value.items():
            if key not in consumed and key not in published and _field_type(parent, key):
                published[key] = item
    return published


def _collect(  # noqa: PLR0917 - one recursive walk's state
    schema: GraphQLSchema,
    value: dict[str, Any],
    selection_set: SelectionSetNode,
    parent: GraphQLNamedType,
    published: dict[str, Any],
    consumed: set[str],
) -> bool:
    """Copy selected fields under their names; True if a named fragment spread was skipped."""
    unresolved = False
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            key = (selection.alias or selection.name).value
            name = selection.name.value
            if key not in value or name in published:
                continue  # skipped by @skip/@include, or the same field under a second alias
            consumed.add(key)
            field_type = _field_type(parent, name)
            published[name] = (
                _unalias(schema, value[key], selection.selection_set, field_type)
                if field_type is not None
                else value[key]
            )
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            inner = schema.get_type(condition.name.value) if condition else parent
            unresolved |= _collect(
                schema, value, selection.selection_set, inner or parent, published, consumed
            )
        elif isinstance(selection, FragmentSpreadNode):
            unresolved = True
    return unresolved


def _concrete(schema: GraphQLSchema, named: GraphQLNamedType, value: dict[str, Any]) -> Any:
    if isinstance(named, GraphQLObjectType):
        return named
    typename = value.get("__typename")
    concrete = schema.get_type(typename) if isinstance(typename, str) else None
    return concrete if isinstance(concrete, GraphQLObjectType) else named


def _field_type(parent: GraphQLNamedType, name: str) -> GraphQLOutputType | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        field = parent.fields.get(name)
        return field.type if field is not None else None
    return None
