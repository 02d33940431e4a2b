"""Assemble a runtime: load the wiring, build the schema, start the workers, attach resolvers.

Kept apart from the runtime's own types so that field resolution, which reads a request's
runtime, and the assembly, which installs those resolvers, never import each other.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import replace
from typing import TYPE_CHECKING

from graphql import GraphQLObjectType

from devserver.appsync.schema_file import build_schema_from_file
from devserver.execution.fields import install_resolvers
from devserver.execution.runtime import DocumentCache, Runtime, close_pools, pools_of
from devserver.lambda_runtime.loader import (
    add_python_path,
    apply_environment,
    function_environment,
    handler_paths,
    lambda_environment,
    load_functions,
    source_dir,
    top_level_package,
)
from devserver.lambda_runtime.pool import FunctionPool, InitError, SandboxSpec, Zygote
from wiring import Wiring, load_wiring

if TYPE_CHECKING:
    from graphql import GraphQLSchema

    from devserver.auth import Authenticator
    from devserver.config import DevServerConfig
    from devserver.lambda_runtime.loader import LoadedFunction

logger = logging.getLogger("devserver.execution.assembly")


def build_runtime(
    config: DevServerConfig, authenticator: Authenticator, *, generation: int = 0
) -> Runtime:
    """Load the wiring, build the schema, import the handlers and attach the resolvers."""
    wiring = load_wiring(config.wiring_path)
    schema = build_schema_from_file(config.schema_path)
    _warn_about_unknown_fields(schema, wiring)
    add_python_path(config.python_path)
    apply_environment(
        lambda_environment(wiring, region=config.region, extra=config.handler_env),
        explicit=config.handler_env,
    )
    pools = _start_zygotes(wiring, config)
    try:
        loaded = load_functions(
            wiring, config.handlers, region=config.region, account_id=config.account_id
        )
    except BaseException:
        close_pools(list(pools.values()))
        raise
    functions = _with_pools(loaded, pools)
    install_resolvers(schema, wiring, functions)
    import_paths = handler_paths(wiring, config.handlers).values()
    sources = {source_dir(path) for path in import_paths}
    watch = {config.schema_path, config.wiring_path, *config.watch_paths}
    watch.update(path for path in sources if path is not None)
    runtime = Runtime(
        schema=schema,
        wiring=wiring,
        functions=functions,
        policy=authenticator.directive_policy(schema),
        documents=DocumentCache(schema, config.document_cache_size),
        watch_paths=tuple(sorted(watch)),
        handler_packages=frozenset(top_level_package(path) for path in import_paths),
        generation=generation,
    )
    # Requests that began on a runtime keep it; its workers go when the last of them ends.
    weakref.finalize(runtime, close_pools, pools_of(functions))
    return runtime


def _start_zygotes(wiring: Wiring, config: DevServerConfig) -> dict[str, FunctionPool]:
    """Each function's warm-worker pool, its zygote importing the handler as of now.

    Started before this process imports the handlers, so both imports overlap; none when
    handlers run in-process.
    """
    if config.in_process:
        return {}
    python_path = tuple(str(path.resolve()) for path in config.python_path)
    pools = {}
    for name, function in wiring.functions.items():
        if name in config.handlers:
            function = replace(function, handler=config.handlers[name])  # noqa: PLW2901
        spec = SandboxSpec(
            function=function,
            region=config.region,
            account_id=config.account_id,
            python_path=python_path,
            environment=function_environment(function, explicit=config.handler_env),
        )
        pools[name] = FunctionPool(spec, Zygote(spec))
    return pools


def _with_pools(
    functions: dict[str, LoadedFunction], pools: dict[str, FunctionPool]
) -> dict[str, LoadedFunction]:
    try:
        for pool in pools.values():
            pool.wait_ready()
    except InitError:
        close_pools(list(pools.values()))
        raise
    return {
        name: replace(function, pool=pools[name]) if name in pools else function
        for name, function in functions.items()
    }


def _warn_about_unknown_fields(schema: GraphQLSchema, wiring: Wiring) -> None:
    # CDK would fail to deploy these; locally they are harmless, so warn instead of refusing.
    for resolver in wiring.resolvers:
        graphql_type = schema.get_type(resolver.type_name)
        if not isinstance(graphql_type, GraphQLObjectType) or (
            resolver.field_name not in graphql_type.fields
        ):
            logger.warning("wired field %s is not in the schema", resolver.key)
