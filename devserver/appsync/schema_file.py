"""`schema.graphql` as AppSync builds it: the file plus the prelude, valid, with AWS scalar rules.

Also refused here, as AppSync would refuse a broken schema at deploy: a schema whose
subscriptions could reach viewer-specific data (see viewer_scope).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphql import GraphQLSyntaxError, build_schema, validate_schema

from devserver.appsync.prelude import with_prelude
from devserver.appsync.scalars import install_aws_scalars
from devserver.appsync.viewer_scope import viewer_specific_leaks

if TYPE_CHECKING:
    from pathlib import Path

    from graphql import GraphQLSchema


class SchemaError(ValueError):
    """The schema file does not build into a valid AppSync schema."""


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
