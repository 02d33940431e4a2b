"""schema.graphql is valid AppSync SDL: it builds with the AppSync prelude and declares no prelude."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import (
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    get_named_type,
    parse,
    validate_schema,
)
from graphql.language import DirectiveDefinitionNode, ScalarTypeDefinitionNode

from devserver.appsync.prelude import with_prelude
from devserver.appsync.viewer_scope import is_viewer_specific, viewer_specific_leaks

SCHEMA_PATH = Path(__file__).parents[2] / "schema.graphql"
AUTH_DIRECTIVES = {"aws_api_key", "aws_iam", "aws_cognito_user_pools", "aws_oidc", "aws_lambda"}


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema(with_prelude(SCHEMA_PATH.read_text()))


def test_schema_builds_and_validates_with_the_appsync_prelude(schema: GraphQLSchema) -> None:
    # GIVEN the schema file plus the in-code AppSync prelude
    # WHEN graphql-core validates it
    errors = validate_schema(schema)
    # THEN it is a valid schema with all three root types
    assert errors == []
    assert schema.query_type
    assert schema.mutation_type
    assert schema.subscription_type


def test_schema_file_declares_no_scalars_or_directives() -> None:
    # GIVEN the raw schema file (AppSync rejects AWS scalar and directive definitions)
    document = parse(SCHEMA_PATH.read_text())
    # WHEN we look for definitions AppSync provides itself
    offending = [
        node.name.value
        for node in document.definitions
        if isinstance(node, ScalarTypeDefinitionNode | DirectiveDefinitionNode)
    ]
    # THEN there are none
    assert offending == []


def _auth_directives(node: object) -> set[str]:
    ast = getattr(node, "ast_node", None)
    return {d.name.value for d in getattr(ast, "directives", None) or ()} & AUTH_DIRECTIVES


def test_every_subscription_mirrors_its_mutation_return_type(schema: GraphQLSchema) -> None:
    # GIVEN every @aws_subscribe subscription field
    assert schema.subscription_type is not None
    assert schema.mutation_type is not None
    checked = 0
    for name, field in schema.subscription_type.fields.items():
        ast = field.ast_node
        assert ast is not None
        (subscribe,) = [d for d in ast.directives or () if d.name.value == "aws_subscribe"]
        mutations = [v.value for v in subscribe.arguments[0].value.values]  # type: ignore[attr-defined]
        # WHEN compared with each mutation it listens to
        for mutation in mutations:
            target = schema.mutation_type.fields[mutation].type
            # THEN both return the same named type (AppSync requires it)
            assert get_named_type(target) is get_named_type(field.type), (name, mutation)
            checked += 1
    assert checked == 8  # five subscriptions; two also follow the image-published mutations


def test_api_key_reaches_every_type_reachable_from_queries(schema: GraphQLSchema) -> None:
    # GIVEN public read-only access through the API key
    assert schema.query_type is not None
    seen: set[str] = set()
    pending = [
        get_named_type(f.type) for name, f in schema.query_type.fields.items() if name != "me"
    ]
    # WHEN we walk every object type reachable from the public queries
    while pending:
        named = pending.pop()
        if not isinstance(named, GraphQLObjectType) or named.name in seen:
            continue
        seen.add(named.name)
        # THEN each of them lets API-key callers read it
        assert "aws_api_key" in _auth_directives(named), named.name
        pending += [get_named_type(f.type) for f in named.fields.values()]
    assert {"Recipe", "Profile", "Comment", "RatingSummary"} <= seen


def test_api_key_cannot_call_any_mutation_or_me(schema: GraphQLSchema) -> None:
    # GIVEN the mutation type, which has no type-level auth (so the Cognito default applies)
    assert schema.mutation_type is not None
    assert schema.query_type is not None
    # WHEN we read each mutation's field-level directives
    # THEN none of them admits the API key, and neither does Query.me
    for name, field in schema.mutation_type.fields.items():
        assert "aws_api_key" not in _auth_directives(field), name
    assert _auth_directives(schema.query_type.fields["me"]) == {"aws_cognito_user_pools"}


def test_no_viewer_specific_data_is_reachable_from_a_subscription(schema: GraphQLSchema) -> None:
    # GIVEN the schema, where AppSync sends a mutation caller's response to every subscriber
    # WHEN every subscription's return type is walked for data marked viewer-specific
    leaks = viewer_specific_leaks(schema)
    # THEN nothing private to a caller can travel to subscribers
    assert leaks == []


def test_private_data_is_marked_viewer_specific(schema: GraphQLSchema) -> None:
    # GIVEN the types and fields that hold one caller's own data
    viewer = schema.get_type("Viewer")
    my_rating = schema.get_type("MyRating")
    assert isinstance(viewer, GraphQLObjectType)
    assert isinstance(my_rating, GraphQLObjectType)
    # THEN each carries the marker the subscription check looks for, so the check guards them
    assert is_viewer_specific(viewer.description)
    assert is_viewer_specific(my_rating.description)
    assert is_viewer_specific(viewer.fields["email"].description)
    assert is_viewer_specific(viewer.fields["ratings"].description)
    # AND no public type still carries the e-mail or a caller's stars
    profile = schema.get_type("Profile")
    recipe = schema.get_type("Recipe")
    rating = schema.get_type("RecipeRating")
    assert isinstance(profile, GraphQLObjectType)
    assert isinstance(recipe, GraphQLObjectType)
    assert isinstance(rating, GraphQLObjectType)
    assert "email" not in profile.fields
    assert "myRating" not in recipe.fields
    assert {"userId", "stars"}.isdisjoint(rating.fields)
