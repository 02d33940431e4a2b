"""The wiring list, the schema and the registered routes agree, in every direction.

In AppSync a field nobody wired silently resolves to null, so this is the only guard.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLObjectType, build_schema

from devserver.appsync.prelude import with_prelude
from wiring import Wiring, load_wiring

ROOT = Path(__file__).parents[2]
BATCHED = {
    "Recipe.author",
    "Recipe.rating",
    "Recipe.commentCount",
    "Comment.author",
    "Recipe.photo",
    "Profile.avatar",
}


@pytest.fixture(scope="module")
def wiring() -> Wiring:
    return load_wiring(ROOT / "resolvers" / "wiring.toml")


def _routes() -> tuple[set[str], set[str]]:
    from resolvers.app import app

    def keys(registry: object) -> set[str]:
        return set(registry.resolvers)  # type: ignore[attr-defined]

    return keys(app._resolver_registry), keys(app._batch_resolver_registry)


def test_every_wired_field_exists_in_the_schema(wiring: Wiring) -> None:
    # GIVEN the schema
    schema = build_schema(with_prelude((ROOT / "schema.graphql").read_text()))
    # WHEN each wiring entry is looked up
    missing = []
    for resolver in wiring.resolvers:
        owner = schema.get_type(resolver.type_name)
        if not isinstance(owner, GraphQLObjectType) or resolver.field_name not in owner.fields:
            missing.append(resolver.key)
    # THEN all of them name a real field
    assert missing == []


def test_every_root_field_is_wired(wiring: Wiring) -> None:
    # GIVEN every query and mutation (subscriptions are served by AppSync itself)
    schema = build_schema(with_prelude((ROOT / "schema.graphql").read_text()))
    roots = [schema.query_type, schema.mutation_type]
    fields = {f"{root.name}.{name}" for root in roots if root for name in root.fields}
    # WHEN compared with the wiring
    wired = {resolver.key for resolver in wiring.resolvers}
    # THEN none is left for AppSync to resolve as null
    assert fields - wired == set()


def test_batch_sizes_match_the_batch_routes(wiring: Wiring) -> None:
    # GIVEN the routes the handler registers
    _, batch_routes = _routes()
    # WHEN we read which wired fields are batched
    batched = {r.key for r in wiring.resolvers if r.max_batch_size > 0}
    # THEN exactly the N+1 fields are batched, and each is a batch route
    assert batched == BATCHED
    assert batch_routes == BATCHED


def test_every_wired_field_has_a_route_and_every_route_is_wired(wiring: Wiring) -> None:
    # GIVEN the single and batch routes registered on the handler
    single, batched = _routes()
    # WHEN compared with the wiring
    wired_single = {r.key for r in wiring.resolvers if r.max_batch_size == 0}
    # THEN they are the same sets: nothing wired without code, no code left unwired
    assert single == wired_single
    assert batched == {r.key for r in wiring.resolvers if r.max_batch_size > 0}


def test_the_devserver_logs_every_client_error_in_one_line_and_only_those(wiring: Wiring) -> None:
    # GIVEN the client-facing errors the handler lets through, and InternalError (our bugs)
    from resolvers import errors

    client_errors = {
        cls.__name__
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.AppError)
    } - {"AppError", "InternalError"}
    # WHEN the wiring names the expected ones
    expected = wiring.functions["api"].expected_errors
    # THEN they are exactly the client errors: a traceback is kept for InternalError alone
    assert expected == client_errors
