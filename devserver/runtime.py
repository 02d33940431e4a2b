"""The immutable runtime: executable schema, wiring, imported handlers and per-query caches.

Built once at start-up and again on every hot reload; requests take the current one when they
start and keep it to the end, so a reload never changes a request halfway.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
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
from devserver.loader import (
    add_python_path,
    apply_environment,
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
    functions = load_functions(
        wiring, config.handlers, region=config.region, account_id=config.account_id
    )
    install_resolvers(schema, wiring, functions)
    import_paths = handler_paths(wiring, config.handlers).values()
    sources = {source_dir(path) for path in import_paths}
    watch = {config.schema_path, config.wiring_path, *config.watch_paths}
    watch.update(path for path in sources if path is not None)
    return Runtime(
        schema=schema,
        wiring=wiring,
        functions=functions,
        policy=authenticator.directive_policy(schema),
        documents=DocumentCache(schema, config.document_cache_size),
        watch_paths=tuple(sorted(watch)),
        handler_packages=frozenset(top_level_package(path) for path in import_paths),
        generation=generation,
    )


def _warn_about_unknown_fields(schema: GraphQLSchema, wiring: Wiring) -> None:
    # CDK would fail to deploy these; locally they are harmless, so warn instead of refusing.
    for resolver in wiring.resolvers:
        graphql_type = schema.get_type(resolver.type_name)
        if not isinstance(graphql_type, GraphQLObjectType) or (
            resolver.field_name not in graphql_type.fields
        ):
            logger.warning("wired field %s is not in the schema", resolver.key)
