"""Field resolvers for every object field: wired ones invoke Lambda, the rest read the parent.

Every field, wired or not, first passes the `@aws_*` directive check, as AppSync authorizes each
field it resolves. Each resolution of a wired field then counts against the request's resolver
execution limit (`RequestContext.claim_resolver`). An unwired field returns the parent object's
value under the field's name (AppSync's behaviour with no resolver), so a root field nobody
wired is null.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema

from devserver.request import RootCall

if TYPE_CHECKING:
    from devserver.loader import LoadedFunction
    from devserver.request import RequestContext
    from devserver.wiring import FieldResolver, Wiring

Resolver = Callable[..., Any]


def install_resolvers(
    schema: GraphQLSchema, wiring: Wiring, functions: Mapping[str, LoadedFunction]
) -> None:
    """Attach a resolver to every field of every object type (the schema is built per runtime)."""
    wired = {resolver.key: resolver for resolver in wiring.resolvers}
    roots = {t.name for t in (schema.query_type, schema.mutation_type) if t is not None}
    subscription = schema.subscription_type.name if schema.subscription_type else None
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        for name, field in graphql_type.fields.items():
            resolver = wired.get(f"{graphql_type.name}.{name}")
            parent = graphql_type.name
            if resolver is None:
                field.resolve = _unwired(parent, name)
            elif resolver.max_batch_size > 0:
                field.resolve = _batched(parent, name, resolver)
            else:
                field.resolve = _single(
                    parent,
                    name,
                    functions[resolver.function],
                    record_root=parent in roots,
                    subscription_root=parent == subscription,
                )


def _unwired(parent: str, name: str) -> Resolver:
    def resolve(source: Any, info: GraphQLResolveInfo[Any], **_arguments: Any) -> Any:
        context: RequestContext = info.context
        if context.gate(parent, name):
            return None
        return source.get(name) if isinstance(source, Mapping) else None

    return resolve


def _batched(parent: str, name: str, resolver: FieldResolver) -> Resolver:
    # A plain function returning a future, not a coroutine: the event must be queued while
    # graphql-core walks the level, and a coroutine would only run once it is awaited.
    def resolve(source: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
        context: RequestContext = info.context
        if context.gate(parent, name):
            return None
        context.claim_resolver()
        return context.enqueue(resolver, context.event(info, source, arguments))

    return resolve


def _single(
    parent: str,
    name: str,
    function: LoadedFunction,
    *,
    record_root: bool,
    subscription_root: bool,
) -> Resolver:
    def resolve(source: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
        context: RequestContext = info.context
        if context.gate(parent, name):
            return None
        if subscription_root and context.publish:
            return source.get(name) if isinstance(source, Mapping) else None
        context.claim_resolver()
        return _invoke(context, info, source, arguments)

    async def _invoke(
        context: RequestContext,
        info: GraphQLResolveInfo[Any],
        source: Any,
        arguments: dict[str, Any],
    ) -> Any:
        value = await context.invoke(function, context.event(info, source, arguments))
        if record_root:
            context.root_calls.append(
                RootCall(
                    field_name=name,
                    response_key=str(info.path.key),
                    arguments=arguments,
                    value=value,
                    field_nodes=tuple(info.field_nodes),
                )
            )
        return value

    return resolve
