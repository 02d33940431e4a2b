"""Start-up check: data marked viewer-specific is never reachable from a subscription.

AppSync publishes a mutation's response, resolved for the mutation's caller, to every matching
subscriber. A field that depends on who asks (the caller's own stars) or that only its owner may
read (an e-mail) would therefore reach strangers if a subscription's return type could lead to it.
A schema marks such types and fields with a description starting with "Viewer-specific"; this
check walks every subscription's return type, through every field, union member and interface
implementation, and names each path that reaches a marked type or field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphql import (
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
)

if TYPE_CHECKING:
    from graphql import GraphQLSchema

MARKER = "viewer-specific"


def is_viewer_specific(description: str | None) -> bool:
    return bool(description) and str(description).lstrip().lower().startswith(MARKER)


def viewer_specific_leaks(schema: GraphQLSchema) -> list[str]:
    """Each path from a subscription field to viewer-specific data; empty when there is none."""
    subscription = schema.subscription_type
    if subscription is None:
        return []
    leaks: list[str] = []
    for name, field in subscription.fields.items():
        leaks.extend(_leaks_from(schema, get_named_type(field.type), f"Subscription.{name}"))
    return leaks


def _leaks_from(schema: GraphQLSchema, root: GraphQLNamedType, root_path: str) -> list[str]:
    leaks: list[str] = []
    seen: set[str] = set()
    pending: list[tuple[GraphQLNamedType, str]] = [(root, root_path)]
    while pending:
        graphql_type, path = pending.pop(0)  # breadth first: the shortest path is reported
        if graphql_type.name in seen:
            continue
        seen.add(graphql_type.name)
        if is_viewer_specific(graphql_type.description):
            leaks.append(f"{path} returns viewer-specific type {graphql_type.name}")
            continue
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                field_path = f"{path} > {graphql_type.name}.{field_name}"
                if is_viewer_specific(field.description):
                    leaks.append(f"{field_path} is viewer-specific")
                else:
                    pending.append((get_named_type(field.type), field_path))
        if isinstance(graphql_type, GraphQLInterfaceType | GraphQLUnionType):
            pending.extend((member, path) for member in schema.get_possible_types(graphql_type))
    return leaks
