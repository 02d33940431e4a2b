"""What a mutation publishes: its result as its caller received it, keyed by field name.

AppSync publishes the mutation's selection set, not the resolver's full answer (semantics §5.2),
so the starting point is the value the mutation's caller received. That value is keyed by the
caller's aliases, while subscribers select by field name, so aliases are undone here: an
aliased `myId: id` publishes `id` (how AppSync treats mutation aliases is UNCONFIRMED). Named
fragment spreads are followed through the document's fragment definitions.
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
    from collections.abc import Mapping

    from graphql import (
        FragmentDefinitionNode,
        GraphQLNamedType,
        GraphQLOutputType,
        GraphQLSchema,
        SelectionSetNode,
    )

    from devserver.execution.engine import MutationCompleted


def published_value(schema: GraphQLSchema, event: MutationCompleted) -> Any:
    """The payload `@aws_subscribe` delivers for one completed root mutation field."""
    mutation = schema.mutation_type
    field = mutation.fields.get(event.field_name) if mutation else None
    if field is None:
        return event.value
    return _Unaliaser(schema, event.fragments).unalias(event.value, event.selection_set, field.type)


class _Unaliaser:
    def __init__(
        self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode]
    ) -> None:
        self._schema = schema
        self._fragments = fragments

    def unalias(
        self, value: Any, selection_set: SelectionSetNode | None, type_: GraphQLOutputType
    ) -> Any:
        if isinstance(type_, GraphQLNonNull):
            type_ = type_.of_type
        if value is None or selection_set is None:
            return value
        if isinstance(type_, GraphQLList):
            if not isinstance(value, list):
                return value
            return [self.unalias(item, selection_set, type_.of_type) for item in value]
        if not isinstance(value, dict):
            return value
        published: dict[str, Any] = {}
        parent = _concrete(self._schema, get_named_type(type_), value)
        self._collect(value, selection_set, parent, published)
        return published

    def _collect(
        self,
        value: dict[str, Any],
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        published: dict[str, Any],
    ) -> None:
        """Copy the selected fields of `value` into `published`, under their field names."""
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                key = (selection.alias or selection.name).value
                name = selection.name.value
                if key not in value or name in published:
                    continue  # skipped by @skip/@include, or the same field under a second alias
                field_type = _field_type(parent, name)
                published[name] = (
                    self.unalias(value[key], selection.selection_set, field_type)
                    if field_type is not None
                    else value[key]
                )
            elif isinstance(selection, InlineFragmentNode | FragmentSpreadNode):
                fragment = (
                    self._fragments.get(selection.name.value)
                    if isinstance(selection, FragmentSpreadNode)
                    else selection
                )
                if fragment is None:
                    continue
                condition = fragment.type_condition
                inner = self._schema.get_type(condition.name.value) if condition else parent
                self._collect(value, fragment.selection_set, inner or parent, published)


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
