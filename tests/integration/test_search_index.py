"""The search index in PostgreSQL: version guard, tombstones, stemming, accents, prefixes, rank."""

from __future__ import annotations

import uuid

import pytest

from resolvers.identity import AuthMode, Caller
from resolvers.recipes.models import parse_draft
from resolvers.recipes.service import create_recipe
from resolvers.search.backfill import backfill
from resolvers.search.documents import SearchDocument
from resolvers.search.repository import AuroraSearchIndex
from resolvers.search.service import search_terms, to_prefix_query
from resolvers.store.data_api import DataApi
from tests.support.inputs import recipe_input
from tests.support.stack import AppStack


@pytest.fixture
def index(data_api: DataApi) -> AuroraSearchIndex:
    return AuroraSearchIndex(data_api)


def word() -> str:
    """A word no other test's recipe contains."""
    return "zq" + uuid.uuid4().hex[:10].translate(str.maketrans("0123456789", "ghijklmnop"))


def doc(version: int, title: str, recipe_id: str = "", **text: str) -> SearchDocument:
    return SearchDocument(
        recipe_id=recipe_id or f"recipe-{uuid.uuid4()}",
        version=version,
        title=title,
        description=text.get("description", ""),
        ingredients=text.get("ingredients", ""),
        tags=text.get("tags", ""),
    )


def found(index: AuroraSearchIndex, query: str) -> list[str]:
    return index.search(to_prefix_query(search_terms(query)), 100, 0)


def test_an_older_version_never_overwrites_a_newer_one(index: AuroraSearchIndex) -> None:
    # GIVEN version 2 of a recipe in the index
    old, new = word(), word()
    v2 = doc(2, f"{new} soup")
    assert index.upsert(v2)
    # WHEN version 1 arrives late, and version 2 arrives again
    late = index.upsert(doc(1, f"{old} soup", v2.recipe_id))
    again = index.upsert(v2)
    # THEN neither changed anything: the index still holds version 2's words only
    assert (late, again) == (False, False)
    assert found(index, new) == [v2.recipe_id]
    assert found(index, old) == []


def test_a_delete_removes_and_keeps_older_records_from_resurrecting(
    index: AuroraSearchIndex,
) -> None:
    # GIVEN an indexed recipe at version 3
    term = word()
    v3 = doc(3, f"{term} stew")
    index.upsert(v3)
    # WHEN it is deleted at version 3, then a late record of version 3 or 2 arrives
    assert index.remove(v3.recipe_id, 3)
    assert not index.upsert(v3)
    assert not index.upsert(doc(2, f"{term} stew", v3.recipe_id))
    # THEN it is not found any more, and a repeated delete changes nothing
    assert found(index, term) == []
    assert not index.remove(v3.recipe_id, 3)


def test_stems_accents_and_prefixes_match(index: AuroraSearchIndex) -> None:
    # GIVEN a recipe with an accented title and plural ingredients
    tag = word()
    recipe = doc(1, "Crème Brûlée", ingredients="eggs vanilla pods", tags=tag)
    index.upsert(recipe)
    # WHEN searched without accents, by singular, by a prefix, and by several words
    # THEN each finds it
    for query in ("creme brulee", "CRÈME", "egg", "vanil", f"{tag} pod"):
        assert found(index, query) == [recipe.recipe_id], query
    # AND a word it does not contain excludes it
    assert found(index, f"{tag} chocolate") == []


def test_title_matches_rank_above_description_matches(index: AuroraSearchIndex) -> None:
    # GIVEN two recipes sharing a word, one in its title, one in its description
    term = word()
    in_description = doc(1, "Plain rice", description=f"with a little {term}")
    in_title = doc(1, f"{term} rice")
    index.upsert(in_description)
    index.upsert(in_title)
    # WHEN searched THEN the title match comes first
    assert found(index, term) == [in_title.recipe_id, in_description.recipe_id]


def test_query_text_cannot_inject_tsquery_syntax(index: AuroraSearchIndex) -> None:
    # GIVEN a query full of tsquery operators
    terms = search_terms("tomato | !(basil) & ' :* <->")
    # WHEN it becomes a query THEN only its words remain, and the search runs
    assert terms == ["tomato", "basil"]
    assert isinstance(index.search(to_prefix_query(terms), 5, 0), list)


def test_backfill_indexes_recipes_written_before_the_consumer(
    app_stack: AppStack, index: AuroraSearchIndex
) -> None:
    # GIVEN recipes in the table that the index has never heard of
    term = word()
    caller = Caller(mode=AuthMode.COGNITO, user_id="backfiller")
    recipes = app_stack.container.recipes
    made = [
        create_recipe(recipes, caller, parse_draft(recipe_input(title=f"{term} {n}")))
        for n in range(3)
    ]
    assert found(index, term) == []
    # WHEN the backfill runs, twice
    seen, written = backfill(app_stack.container.dynamodb, app_stack.settings.recipes_table, index)
    _, written_again = backfill(
        app_stack.container.dynamodb, app_stack.settings.recipes_table, index
    )
    # THEN every recipe is searchable, and the second run changed nothing
    assert sorted(found(index, term)) == sorted(r.id for r in made)
    assert seen >= written >= 3
    assert written_again == 0
