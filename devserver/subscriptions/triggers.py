"""Which subscription fields each mutation field publishes to, from `@aws_subscribe` (§5.1)."""

from __future__ import annotations

import logging
import weakref
from typing import TYPE_CHECKING

from graphql import value_from_ast_untyped

if TYPE_CHECKING:
    from graphql import GraphQLSchema

logger = logging.getLogger("devserver.subscriptions")

_TRIGGERS: weakref.WeakKeyDictionary[GraphQLSchema, dict[str, tuple[str, ...]]] = (
    weakref.WeakKeyDictionary()
)


def subscribers_of(schema: GraphQLSchema, mutation_field: str) -> tuple[str, ...]:
    """The subscription fields whose `@aws_subscribe(mutations: [...])` lists `mutation_field`."""
    triggers = _TRIGGERS.get(schema)
    if triggers is None:  # a reloaded schema is a new object, so this is once per schema
        triggers = _TRIGGERS[schema] = _triggers(schema)
    return triggers.get(mutation_field, ())


def _triggers(schema: GraphQLSchema) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    subscription = schema.subscription_type
    mutations = schema.mutation_type.fields if schema.mutation_type else {}
    for name, field in (subscription.fields if subscription else {}).items():
        for directive in (field.ast_node.directives or ()) if field.ast_node else ():
            if directive.name.value != "aws_subscribe":
                continue
            for argument in directive.arguments or ():
                listed = value_from_ast_untyped(argument.value)
                if argument.name.value != "mutations" or not isinstance(listed, list):
                    continue
                for mutation in map(str, listed):
                    if mutation not in mutations:
                        # AppSync refuses such a schema; locally it would silently never fire.
                        logger.warning(
                            "@aws_subscribe on %s names %s, which is not a Mutation field",
                            name,
                            mutation,
                        )
                    found.setdefault(mutation, []).append(name)
    return {mutation: tuple(fields) for mutation, fields in found.items()}
