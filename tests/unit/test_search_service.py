"""Search rules with fakes: query validation, paging with signed tokens, missing recipes."""

from __future__ import annotations

import pytest

from resolvers.errors import BadRequest, ValidationError
from resolvers.pagination import PageTokens
from resolvers.recipes.models import Recipe
from resolvers.search.service import search_recipes, search_terms
from tests.support.fakes import InMemoryRecipes

TOKENS = PageTokens(b"unit-test-secret-0123456789")


class FakeIndex:
    """Matches every recipe id it was given, in order; records the queries it saw."""

    def __init__(self, ids: list[str]) -> None:
        self.ids = ids
        self.queries: list[str] = []

    def search(self, query: str, limit: int, offset: int) -> list[str]:
        self.queries.append(query)
        return self.ids[offset : offset + limit]


def recipe(n: int) -> Recipe:
    return Recipe(
        id=f"r{n}",
        author_id="ana",
        title=f"Recipe {n}",
        description=None,
        ingredients=(),
        steps=("Cook.",),
        tags=(),
        servings=2,
        prep_minutes=1,
        cook_minutes=1,
        image_url=None,
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
        version=1,
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("!!! ???", "at least one letter or digit"),
        ("tomato\x00", "cannot be stored"),
        ("x" * 201, "at most 200 characters"),
        (" ".join(f"w{n}" for n in range(11)), "at most 10 words"),
    ],
)
def test_a_bad_query_is_a_validation_error(query: str, message: str) -> None:
    # GIVEN a query that is empty, wordless, too long or too wordy
    # WHEN it is parsed THEN it is refused with a clear message
    with pytest.raises(ValidationError, match=message):
        search_terms(query)


def test_pages_follow_signed_tokens_and_skip_recipes_deleted_since_indexing() -> None:
    # GIVEN five matches in the index, one of which is no longer in the table
    recipes = InMemoryRecipes()
    for n in (1, 2, 4, 5):
        recipes.create(recipe(n))
    index = FakeIndex([f"r{n}" for n in range(1, 6)])
    # WHEN paged two at a time
    first = search_recipes(index, recipes, TOKENS, "Tomato Basil", 2, None)
    second = search_recipes(index, recipes, TOKENS, "tomato basil", 2, first.next_token)
    third = search_recipes(index, recipes, TOKENS, "tomato basil", 2, second.next_token)
    # THEN the pages are in index order, the missing recipe is left out, the last has no token
    assert [r.id for r in first.recipes] == ["r1", "r2"]
    assert [r.id for r in second.recipes] == ["r4"]
    assert [r.id for r in third.recipes] == ["r5"]
    assert third.next_token is None
    assert index.queries[0] == "tomato:* & basil:*"


def test_a_token_from_another_query_is_refused() -> None:
    # GIVEN a token issued for one query
    recipes = InMemoryRecipes()
    index = FakeIndex(["r1", "r2", "r3"])
    token = search_recipes(index, recipes, TOKENS, "tomato", 1, None).next_token
    # WHEN it is sent with another query THEN it is a BadRequest
    with pytest.raises(BadRequest):
        search_recipes(index, recipes, TOKENS, "basil", 1, token)
