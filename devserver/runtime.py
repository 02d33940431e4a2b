"""The immutable runtime: executable schema, wiring, imported handlers and per-query caches.

Built once at start-up and again on every hot reload; requests take the current one when they
start and keep it to the end, so a reload never changes a request halfway.
"""

from __future__ import annotations

import logging
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from graphql import (
    DocumentNode,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    build_schema,
    parse,
    validate_schema,
)

from devserver.fields import install_resolvers
from devserver.lambda_runtime.pool import FunctionPool, InitError, SandboxSpec, Zygote
from devserver.loader import (
    add_python_path,
    apply_environment,
    function_environment,
    handler_paths,
    lambda_environment,
    load_functions,
    source_dir,
    top_level_package,
)
from devserver.prelude import with_prelude
from devserver.scalars import install_aws_scalars
from devserver.validation import validate_document
from devserver.viewer_scope import viewer_specific_leaks
from devserver.wiring import Wiring, load_wiring

if TYPE_CHECKING:
    from pathlib import Path

    from devserver.auth import Authenticator, DirectivePolicy
    from devserver.config import DevServerConfig
    from devserver.errors import AppSyncError
    from devserver.loader import LoadedFunction

logger = logging.getLogger("devserver.runtime")


class SchemaError(ValueError):
    """The schema file does not build into a valid AppSync schema."""


@dataclass
class PreparedDocument:
    """A query text parsed and validated once, plus what is derived from it per field."""

    document: DocumentNode | None  # None: the text does not parse
    errors: list[AppSyncError]
    conditional: bool  # uses @skip/@include, so selection sets depend on variables
    selections: dict[tuple[object, ...], tuple[list[str], str]] = field(default_factory=dict)


class DocumentCache:
    """A small LRU of prepared documents; clients send the same few query texts repeatedly."""

    def __init__(self, schema: GraphQLSchema, size: int) -> None:
        self._schema = schema
        self._size = size
        self._documents: OrderedDict[str, PreparedDocument] = OrderedDict()

    def get(self, query: str) -> PreparedDocument:
        prepared = self._documents.get(query)
        if prepared is not None:
            self._documents.move_to_end(query)
            return prepared
        prepared = self._prepare(query)
        self._documents[query] = prepared
        if len(self._documents) > self._size:
            self._documents.popitem(last=False)
        return prepared

    def _prepare(self, query: str) -> PreparedDocument:
        try:
            document = parse(query)
        except GraphQLSyntaxError:
            return PreparedDocument(None, [], conditional=False)
        conditional = "@skip" in query or "@include" in query
        return PreparedDocument(document, validate_document(self._schema, document), conditional)


@dataclass(frozen=True)
class Runtime:
    schema: GraphQLSchema
    wiring: Wiring
    functions: dict[str, LoadedFunction]
    policy: DirectivePolicy
    documents: DocumentCache
    watch_paths: tuple[Path, ...]
    handler_packages: frozenset[str]
    generation: int

    def retire(self) -> None:
        """A newer runtime serves new requests: let this one's idle workers go."""
        for pool in _pools(self.functions):
            pool.retire()

    def close(self) -> None:
        for pool in _pools(self.functions):
            pool.close()


def _pools(functions: dict[str, LoadedFunction]) -> list[FunctionPool]:
    return [function.pool for function in functions.values() if function.pool is not None]


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
        _close_pools(list(pools.values()))
        raise
    return {
        name: replace(function, pool=pools[name]) if name in pools else function
        for name, function in functions.items()
    }


def build_schema_from_file(path: Path) -> GraphQLSchema:
    """The executable schema: the file plus AppSync's prelude, with AWS scalar rules attached."""
    try:
        schema = build_schema(with_prelude(path.read_text(encoding="utf-8")))
    except (GraphQLSyntaxError, TypeError) as error:
        raise SchemaError(f"{path}: {error}") from error
    problems = validate_schema(schema)
    if problems:
        raise SchemaError(f"{path}: " + "; ".join(problem.message for problem in problems))
    leaks = viewer_specific_leaks(schema)
    if leaks:
        raise SchemaError(
            f"{path}: AppSync sends a mutation caller's response to every subscriber, so "
            "viewer-specific data must not be reachable from a subscription: " + "; ".join(leaks)
        )
    install_aws_scalars(schema)
    return schema


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
        _close_pools(list(pools.values()))
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
    weakref.finalize(runtime, _close_pools, _pools(functions))
    return runtime


def _close_pools(pools: list[FunctionPool]) -> None:
    for pool in pools:
        pool.close()


def _warn_about_unknown_fields(schema: GraphQLSchema, wiring: Wiring) -> None:
    # CDK would fail to deploy these; locally they are harmless, so warn instead of refusing.
    for resolver in wiring.resolvers:
        graphql_type = schema.get_type(resolver.type_name)
        if not isinstance(graphql_type, GraphQLObjectType) or (
            resolver.field_name not in graphql_type.fields
        ):
            logger.warning("wired field %s is not in the schema", resolver.key)
