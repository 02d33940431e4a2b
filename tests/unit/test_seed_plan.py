"""The sample data plan: deterministic, valid by the domain's own rules, and valid GraphQL."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from graphql import parse, validate

from devserver.appsync.schema_file import build_schema_from_file
from localdev import HOME_FEED_QUERY, PROJECT
from localdev import seed as seeding
from resolvers.comments.models import parse_body
from resolvers.ratings.models import parse_stars
from resolvers.recipes.models import parse_draft

SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"


@pytest.fixture(scope="module")
def plan() -> seeding.SeedPlan:
    return seeding.load_plan()


@pytest.fixture(scope="module")
def schema():
    return build_schema_from_file(SCHEMA)


def test_the_plan_is_the_same_every_time(plan) -> None:
    assert seeding.load_plan() == plan


def test_five_users_one_of_them_admin(plan) -> None:
    assert len(plan.users) == 5
    assert [u.username for u in plan.users if "admins" in u.groups] == ["ana"]
    assert [u.username for u in PROJECT.sample_users] == [u.username for u in plan.users]


def test_thirty_recipes_that_pass_the_recipe_rules(plan) -> None:
    assert len(plan.recipes) == 30
    assert len({r["title"] for r in plan.recipes}) == 30
    for recipe in plan.recipes:
        draft = parse_draft(seeding.recipe_input(recipe))  # raises on any broken limit
        assert draft.tags
    authors = Counter(r["author"] for r in plan.recipes)
    assert set(authors) == {u.username for u in plan.users}


def test_comments_and_ratings_come_from_other_users_and_pass_the_rules(plan) -> None:
    assert 30 <= len(plan.comments) <= 60
    assert 45 <= len(plan.ratings) <= 90
    for item in (*plan.comments, *plan.ratings):
        assert item.author != plan.recipes[item.recipe]["author"]
    for comment in plan.comments:
        parse_body(comment.body)
    for rating in plan.ratings:
        parse_stars(rating.stars)
    pairs = [(r.recipe, r.author) for r in plan.ratings]
    assert len(pairs) == len(set(pairs))  # one rating per user per recipe


def test_every_seed_document_is_valid_against_the_schema(plan, schema) -> None:
    ids = [f"r{i}" for i in range(len(plan.recipes))]
    comments = [c for c in plan.comments if c.author == "ben"]
    ratings = [r for r in plan.ratings if r.author == "ben"]
    activity, variables = seeding.activity_mutation(comments, ratings, ids)
    documents = [seeding._PROFILE, seeding._CREATE, activity, HOME_FEED_QUERY]
    for document in documents:
        assert validate(schema, parse(document)) == [], document
    assert len(variables) == 2 * (len(comments) + len(ratings))


def test_the_client_refuses_anything_but_http() -> None:
    with pytest.raises(ValueError, match="not an HTTP URL"):
        seeding.GraphQLClient("file:///etc/passwd")
