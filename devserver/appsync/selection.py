"""`info.selectionSetList` and `info.selectionSetGraphQL` exactly as AppSync builds them (§1.2).

- The list holds `/`-separated paths below the field, under alias names, in document order;
  fragments that apply to the field's type are merged in. For an interface or union return type
  only selections made on that type itself are listed, never fragment-only fields of a
  concrete type. `__typename` is listed like any field (UNCONFIRMED).
- The GraphQL text is the sub-selection only, printed as written: aliases, arguments with their
  variables, inline fragments and named spreads kept (the observed form; the AWS doc example
  that includes the field itself may be stale, UNCONFIRMED).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
    print_ast,
)
from graphql.execution.values import VariableValues, get_directive_values
from graphql.type import GraphQLIncludeDirective, GraphQLSkipDirective

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence


def selection_set_list(
    schema: GraphQLSchema,
    return_type: GraphQLNamedType,
    field_nodes: Sequence[FieldNode],
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: VariableValues | None = None,
) -> list[str]:
    """The paths AppSync lists for a field resolved with these (merged) field nodes."""
    collector = _Collector(schema, fragments, variables)
    collector.collect(
        return_type, [node.selection_set for node in field_nodes if node.selection_set]
    )
    return list(collector.paths)


def selection_set_graphql(field_nodes: Sequence[FieldNode]) -> str:
    """The field's sub-selection as GraphQL text (`""` for a leaf field)."""
    sets = [node.selection_set for node in field_nodes if node.selection_set]
    if not sets:
        return ""
    if len(sets) == 1:
        return print_ast(sets[0])
    return print_ast(SelectionSetNode(selections=tuple(s for ss in sets for s in ss.selections)))


class _Collector:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues | None,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.paths: dict[str, None] = {}  # an ordered set

    def collect(
        self, parent: GraphQLNamedType, selection_sets: Iterable[SelectionSetNode], prefix: str = ""
    ) -> None:
        for selection_set in selection_sets:
            for selection in selection_set.selections:
                if _included(selection, self.variables):
                    self._selection(parent, selection, prefix)

    def _selection(self, parent: GraphQLNamedType, selection: SelectionNode, prefix: str) -> None:
        if isinstance(selection, FieldNode):
            path = prefix + (selection.alias or selection.name).value
            self.paths[path] = None
            sub_type = _field_type(parent, selection.name.value)
            if selection.selection_set is not None and sub_type is not None:
                self.collect(sub_type, (selection.selection_set,), f"{path}/")
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if _applies(self.schema, condition.name.value if condition else None, parent):
                self.collect(parent, (selection.selection_set,), prefix)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = self.fragments.get(selection.name.value)
            if fragment and _applies(self.schema, fragment.type_condition.name.value, parent):
                self.collect(parent, (fragment.selection_set,), prefix)


def _field_type(parent: GraphQLNamedType, name: str) -> GraphQLNamedType | None:
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        field = parent.fields.get(name)
        return get_named_type(field.type) if field else None
    return None


def _applies(schema: GraphQLSchema, condition: str | None, parent: GraphQLNamedType) -> bool:
    """Whether a fragment on `condition` contributes to a selection on `parent`.

    On an object type every fragment whose type includes the object applies. On an abstract
    type only fragments on that very type do: AppSync cannot know the concrete type yet.
    """
    if condition is None or condition == parent.name:
        return True
    if isinstance(parent, GraphQLInterfaceType | GraphQLUnionType):
        return False
    condition_type = schema.get_type(condition)
    if isinstance(parent, GraphQLObjectType) and isinstance(
        condition_type, GraphQLInterfaceType | GraphQLUnionType
    ):
        return schema.is_sub_type(condition_type, parent)
    return False


def _included(selection: SelectionNode, variables: VariableValues | None) -> bool:
    if not selection.directives:
        return True
    skip = get_directive_values(GraphQLSkipDirective, selection, variables)
    if skip and skip.get("if") is True:
        return False
    include = get_directive_values(GraphQLIncludeDirective, selection, variables)
    return not (include and include.get("if") is False)
