"""Search rules: what a query may be, how words become a prefix query, and paged results."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from resolvers.errors import ValidationError
from resolvers.pagination import PageTokens, page_limit
from resolvers.recipes.service import Page
from resolvers.text import require_storable

if TYPE_CHECKING:
    from resolvers.recipes.repository import RecipeLookup
    from resolvers.search.repository import SearchIndex

QUERY_MAX = 200
TERMS_MAX = 10
# Letters and digits in any script; everything else separates words. Only these reach
# `to_tsquery`, so no query text can inject tsquery syntax.
_WORD = re.compile(r"[^\W_]+")


def search_terms(query: str) -> list[str]:
    """The query's words, lower-cased; a ValidationError if it is empty or too long."""
    text = require_storable("query", query.strip())
    if not text:
        raise ValidationError("query must not be empty.")
    if len(text) > QUERY_MAX:
        raise ValidationError(f"query must be at most {QUERY_MAX} characters.")
    words = _WORD.findall(text.lower())
    if not words:
        raise ValidationError("query must contain at least one letter or digit.")
    if len(words) > TERMS_MAX:
        raise ValidationError(f"query must have at most {TERMS_MAX} words.")
    return list(dict.fromkeys(words))


def to_prefix_query(terms: list[str]) -> str:
    """Every word must match, each as a prefix: "tomat bas" finds "tomatoes" and "basil"."""
    return " & ".join(f"{term}:*" for term in terms)


def search_recipes(  # noqa: PLR0917 - the same ports and arguments as list_recipes
    index: SearchIndex,
    recipes: RecipeLookup,
    tokens: PageTokens,
    query: str,
    limit: int | None,
    next_token: str | None,
) -> Page:
    """One SQL query for the page's ids, one BatchGetItem for the recipes, whatever the size.

    Recipes deleted since the index last heard of them are left out of the page.
    """
    terms = search_terms(query)
    size = page_limit(limit)
    scope = "search:" + " ".join(terms)
    offset = int(tokens.decode(scope, next_token).get("offset", 0)) if next_token else 0
    # One extra row says whether another page exists without a count query.
    ids = index.search(to_prefix_query(terms), size + 1, offset)
    more, ids = len(ids) > size, ids[:size]
    found = recipes.get_many(ids)
    page = [found[recipe_id] for recipe_id in ids if recipe_id in found]
    token = tokens.encode(scope, {"offset": offset + size}) if more else None
    return Page(page, token)
