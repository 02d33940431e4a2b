"""Recipe rules with in-memory fakes: authorship, locking, deletion, paging."""

from __future__ import annotations

import pytest

from resolvers.errors import BadRequest, ConflictError, Forbidden, NotFound, ValidationError
from resolvers.identity import ANONYMOUS, AuthMode, Caller
from resolvers.pagination import PageTokens
from resolvers.recipes import service
from resolvers.recipes.models import parse_changes, parse_draft
from resolvers.recipes.service import Listing
from tests.support.fakes import InMemoryRecipes, RecordingActivity

ALICE = Caller(mode=AuthMode.COGNITO, user_id="alice")
BOB = Caller(mode=AuthMode.COGNITO, user_id="bob")
ADMIN = Caller(mode=AuthMode.COGNITO, user_id="root", groups=frozenset({"admins"}))
OPERATOR = Caller(mode=AuthMode.IAM)
TOKENS = PageTokens(b"unit-test-secret-0123456789")


def draft_input(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "title": "Shakshuka",
        "ingredients": [{"name": "eggs", "quantity": 4, "unit": None}],
        "steps": ["Simmer the sauce.", "Poach the eggs."],
        "tags": ["Breakfast", "vegetarian", "breakfast"],
        "servings": 2,
        "prepMinutes": 10,
        "cookMinutes": 20,
    }
    return {**base, **overrides}


@pytest.fixture
def recipes() -> InMemoryRecipes:
    return InMemoryRecipes()


def test_create_sets_author_from_the_caller_and_starts_at_version_1(
    recipes: InMemoryRecipes,
) -> None:
    # GIVEN a signed-in user's valid draft
    draft = parse_draft(draft_input())
    # WHEN she creates it
    created = service.create_recipe(recipes, ALICE, draft)
    # THEN it is hers, at version 1, with tags de-duplicated case-insensitively
    assert created.author_id == "alice"
    assert created.version == 1
    assert created.tags == ("breakfast", "vegetarian")
    assert recipes.get(created.id) == created


def test_anonymous_and_iam_callers_cannot_create(recipes: InMemoryRecipes) -> None:
    draft = parse_draft(draft_input())
    for caller in (ANONYMOUS, OPERATOR):
        with pytest.raises(Forbidden):
            service.create_recipe(recipes, caller, draft)
    assert recipes.items == {}


def test_update_by_author_bumps_version_and_keeps_omitted_fields(recipes: InMemoryRecipes) -> None:
    # GIVEN Alice's recipe
    created = service.create_recipe(recipes, ALICE, parse_draft(draft_input()))
    # WHEN she changes only the title at the version she saw
    changes = parse_changes({"id": created.id, "expectedVersion": 1, "title": "Green shakshuka"})
    updated = service.update_recipe(recipes, ALICE, changes)
    # THEN the title changes, the rest stays, and the version grows by one
    assert updated.title == "Green shakshuka"
    assert updated.steps == created.steps
    assert updated.version == 2
    assert recipes.items[created.id] == updated


def test_stale_expected_version_is_a_conflict_and_writes_nothing(recipes: InMemoryRecipes) -> None:
    # GIVEN a recipe already updated once (version 2)
    created = service.create_recipe(recipes, ALICE, parse_draft(draft_input()))
    first = parse_changes({"id": created.id, "expectedVersion": 1, "title": "v2"})
    stored = service.update_recipe(recipes, ALICE, first)
    # WHEN a second edit still claims version 1
    stale = parse_changes({"id": created.id, "expectedVersion": 1, "title": "lost update"})
    # THEN it is refused with ConflictError naming the current version
    with pytest.raises(ConflictError, match="version 2"):
        service.update_recipe(recipes, ALICE, stale)
    assert recipes.items[created.id] == stored


def test_only_the_author_may_update(recipes: InMemoryRecipes) -> None:
    created = service.create_recipe(recipes, ALICE, parse_draft(draft_input()))
    changes = parse_changes({"id": created.id, "expectedVersion": 1, "title": "Bob's now"})
    for intruder in (BOB, ADMIN):
        with pytest.raises(Forbidden):
            service.update_recipe(recipes, intruder, changes)
    assert recipes.items[created.id] == created


def test_update_of_missing_recipe_is_not_found(recipes: InMemoryRecipes) -> None:
    changes = parse_changes({"id": "nope", "expectedVersion": 1, "title": "x"})
    with pytest.raises(NotFound, match="nope"):
        service.update_recipe(recipes, ALICE, changes)


@pytest.mark.parametrize(
    ("caller", "allowed"),
    [(ALICE, True), (BOB, False), (ADMIN, True), (OPERATOR, True), (ANONYMOUS, False)],
)
def test_delete_permissions(recipes: InMemoryRecipes, caller: Caller, allowed: bool) -> None:
    # GIVEN Alice's recipe
    created = service.create_recipe(recipes, ALICE, parse_draft(draft_input()))
    activity = RecordingActivity()
    # WHEN someone deletes it
    if allowed:
        deleted = service.delete_recipe(recipes, activity, caller, created.id, "admins")
        # THEN the author, admins and operators succeed, and comments/ratings are purged first
        assert deleted["id"] == created.id
        assert created.id not in recipes.items
        assert activity.purged == [created.id]
    else:
        # THEN anyone else is refused and nothing is touched
        with pytest.raises(Forbidden):
            service.delete_recipe(recipes, activity, caller, created.id, "admins")
        assert created.id in recipes.items
        assert activity.purged == []


def test_pages_chain_through_signed_tokens_and_reject_foreign_ones(
    recipes: InMemoryRecipes,
) -> None:
    # GIVEN 5 recipes
    for index in range(5):
        service.create_recipe(recipes, ALICE, parse_draft(draft_input(title=f"R{index}")))
    # WHEN paging 2 at a time
    first = service.list_recipes(recipes, TOKENS, Listing("newest"), 2, None)
    second = service.list_recipes(recipes, TOKENS, Listing("newest"), 2, first.next_token)
    third = service.list_recipes(recipes, TOKENS, Listing("newest"), 2, second.next_token)
    # THEN every recipe appears once and the last page has no token
    seen = [r.id for page in (first, second, third) for r in page.recipes]
    assert sorted(seen) == sorted(recipes.items)
    assert third.next_token is None
    # AND a token from the feed is refused by an author listing
    with pytest.raises(BadRequest):
        service.list_recipes(recipes, TOKENS, Listing("author", "alice"), 2, first.next_token)


def test_limit_rules(recipes: InMemoryRecipes) -> None:
    with pytest.raises(ValidationError):
        service.list_recipes(recipes, TOKENS, Listing("newest"), 0, None)
    assert service.list_recipes(recipes, TOKENS, Listing("newest"), 1000, None).recipes == []


def test_tag_lookup_is_case_insensitive_and_bounded() -> None:
    assert service.normalise_tag("  Vegan ") == "vegan"
    with pytest.raises(ValidationError):
        service.normalise_tag("x" * 31)
    with pytest.raises(ValidationError):
        service.normalise_tag("   ")
