"""Comment rules with in-memory fakes: who may write, edit and delete; limits; paging."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import replace

import pytest

from resolvers.comments import service
from resolvers.comments.models import (
    BODY_MAX,
    Comment,
    CommentCursor,
    CommentPage,
    DeletedComment,
    Guarded,
)
from resolvers.errors import BadRequest, Forbidden, NotFound, ValidationError
from resolvers.identity import ANONYMOUS, AuthMode, Caller
from resolvers.pagination import MAX_LIMIT, PageTokens
from resolvers.recipes.models import Ingredient, Recipe
from tests.support.fakes import InMemoryProfiles, InMemoryRecipes

ALICE = Caller(mode=AuthMode.COGNITO, user_id="alice", display_name="Alice")
BOB = Caller(mode=AuthMode.COGNITO, user_id="bob")
ADMIN = Caller(mode=AuthMode.COGNITO, user_id="root", groups=frozenset({"admins"}))
OPERATOR = Caller(mode=AuthMode.IAM)
TOKENS = PageTokens(b"unit-test-secret-0123456789")
ADMINS = "admins"


class InMemoryComments:
    """The CommentRepository contract in memory, tombstones included."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[int, Comment]] = {}
        self.deleted_recipes: set[str] = set()
        self.count_calls = 0
        self._ticks = itertools.count(1)

    def add(self, recipe_id: str, author_id: str, body: str) -> Comment | None:
        if recipe_id in self.deleted_recipes:
            return None
        tick = next(self._ticks)
        stamp = f"2026-11-21T09:30:{tick // 1000:02d}.{tick % 1000:03d}Z"
        comment = Comment(str(uuid.uuid4()), recipe_id, author_id, body, stamp, stamp)
        self.rows[comment.id] = (tick, comment)
        return comment

    def edit(self, comment_id: str, author_id: str, body: str) -> Guarded[Comment]:
        if comment_id not in self.rows:
            return Guarded(found=False)
        tick, stored = self.rows[comment_id]
        if stored.author_id != author_id:
            return Guarded(found=True)
        edited = replace(stored, body=body)
        self.rows[comment_id] = (tick, edited)
        return Guarded(found=True, value=edited)

    def delete(
        self, comment_id: str, *, author_id: str | None, any_author: bool
    ) -> Guarded[DeletedComment]:
        if comment_id not in self.rows:
            return Guarded(found=False)
        stored = self.rows[comment_id][1]
        if not any_author and stored.author_id != author_id:
            return Guarded(found=True)
        del self.rows[comment_id]
        return Guarded(
            True, DeletedComment(comment_id, stored.recipe_id, "2026-11-21T10:00:00.000Z")
        )

    def page(self, recipe_id: str, limit: int, after: CommentCursor | None) -> CommentPage:
        ordered = sorted(
            (tick, comment.id, comment)
            for tick, comment in self.rows.values()
            if comment.recipe_id == recipe_id
        )
        rest = [
            row
            for row in ordered
            if after is None or (row[0], row[1]) > (after.created_us, after.id)
        ]
        kept = rest[:limit]
        last = kept[-1] if len(rest) > limit else None
        return CommentPage(
            items=tuple(row[2] for row in kept),
            next=CommentCursor(last[0], last[1]) if last else None,
        )

    def counts(self, recipe_ids: list[str]) -> dict[str, int]:
        self.count_calls += 1
        found: dict[str, int] = {}
        for _, comment in self.rows.values():
            if comment.recipe_id in recipe_ids:
                found[comment.recipe_id] = found.get(comment.recipe_id, 0) + 1
        return found


def make_recipe(recipe_id: str) -> Recipe:
    return Recipe(
        id=recipe_id,
        author_id="chef",
        title="Miso soup",
        description=None,
        ingredients=(Ingredient("miso", 2.0, "tbsp"),),
        steps=("Whisk in miso.",),
        tags=(),
        servings=2,
        prep_minutes=5,
        cook_minutes=10,
        image_url=None,
        created_at="2026-01-01T00:00:00.000Z",
        updated_at="2026-01-01T00:00:00.000Z",
        version=1,
    )


@pytest.fixture
def comments() -> InMemoryComments:
    return InMemoryComments()


@pytest.fixture
def recipes() -> InMemoryRecipes:
    store = InMemoryRecipes()
    store.create(make_recipe("soup"))
    return store


@pytest.fixture
def profiles() -> InMemoryProfiles:
    return InMemoryProfiles()


def add(comments, recipes, profiles, *, caller=ALICE, recipe_id="soup", body="Lovely!") -> Comment:
    return service.add_comment(comments, recipes, profiles, caller, recipe_id=recipe_id, body=body)


# -- addComment ----------------------------------------------------------------------------------


def test_add_stores_the_stripped_body_under_the_caller(comments, recipes, profiles) -> None:
    # GIVEN a signed-in user and an existing recipe
    # WHEN she comments with surrounding whitespace
    added = add(comments, recipes, profiles, body="  Needs more salt.\n")
    # THEN the comment is hers, on that recipe, with the text trimmed
    assert (added.author_id, added.recipe_id, added.body) == ("alice", "soup", "Needs more salt.")
    assert comments.rows[added.id][1] == added


def test_add_creates_the_authors_profile_on_first_write(comments, recipes, profiles) -> None:
    # GIVEN a user who never called `me`
    assert profiles.get("alice") is None
    # WHEN she comments
    add(comments, recipes, profiles)
    # THEN she has a profile, so Comment.author resolves
    created = profiles.get("alice")
    assert created is not None
    assert created.display_name == "Alice"


@pytest.mark.parametrize("caller", [ANONYMOUS, OPERATOR], ids=["api-key", "iam"])
def test_add_needs_a_signed_in_user(comments, recipes, profiles, caller) -> None:
    # GIVEN a caller with no user id
    # WHEN it tries to comment
    with pytest.raises(Forbidden):
        add(comments, recipes, profiles, caller=caller)
    # THEN nothing is written
    assert comments.rows == {}


def test_add_accepts_a_body_at_the_limit(comments, recipes, profiles) -> None:
    added = add(comments, recipes, profiles, body="x" * BODY_MAX)
    assert len(added.body) == BODY_MAX == 2000


@pytest.mark.parametrize(
    "body",
    ["x" * (BODY_MAX + 1), "", "   \n\t ", None, "nul\x00byte", "lone \ud800 surrogate"],
    ids=["2001-chars", "empty", "blank", "null", "nul", "surrogate"],
)
def test_add_refuses_bad_bodies_before_any_write(comments, recipes, profiles, body) -> None:
    # GIVEN a body past the limit, empty, or unstorable in PostgreSQL
    # WHEN it is submitted
    with pytest.raises(ValidationError):
        add(comments, recipes, profiles, body=body)
    # THEN neither the comment nor the author's profile is written
    assert comments.rows == {}
    assert profiles.items == {}


def test_whitespace_does_not_count_towards_the_limit(comments, recipes, profiles) -> None:
    added = add(comments, recipes, profiles, body="  " + "x" * BODY_MAX + "  ")
    assert len(added.body) == BODY_MAX


def test_add_to_a_missing_recipe_is_not_found(comments, recipes, profiles) -> None:
    with pytest.raises(NotFound, match=r"Recipe nope not found\."):
        add(comments, recipes, profiles, recipe_id="nope")
    assert comments.rows == {}
    assert profiles.items == {}


def test_add_to_a_recipe_deleted_after_the_lookup_is_not_found(comments, recipes, profiles) -> None:
    # GIVEN a recipe still in DynamoDB whose purge has already tombstoned it in Aurora
    comments.deleted_recipes.add("soup")
    # WHEN someone comments in that window
    # THEN the tombstone wins
    with pytest.raises(NotFound, match=r"Recipe soup not found\."):
        add(comments, recipes, profiles)
    assert comments.rows == {}


def test_injection_text_is_just_text(comments, recipes, profiles) -> None:
    body = "'); DROP TABLE comments; --"
    assert add(comments, recipes, profiles, body=body).body == body


# -- editComment ---------------------------------------------------------------------------------


def test_author_edits_her_comment(comments, recipes, profiles) -> None:
    # GIVEN Alice's comment
    added = add(comments, recipes, profiles)
    # WHEN she edits it
    edited = service.edit_comment(comments, ALICE, added.id, "  Even better the next day. ")
    # THEN the new text is stored, trimmed
    assert edited.body == "Even better the next day."
    assert comments.rows[added.id][1].body == "Even better the next day."


@pytest.mark.parametrize(
    ("caller", "error"),
    [(BOB, Forbidden), (ADMIN, Forbidden), (OPERATOR, Forbidden), (ANONYMOUS, Forbidden)],
    ids=["other-user", "admin", "iam", "api-key"],
)
def test_nobody_but_the_author_edits(comments, recipes, profiles, caller, error) -> None:
    # GIVEN Alice's comment
    added = add(comments, recipes, profiles)
    # WHEN anyone else, moderators included, tries to edit it
    with pytest.raises(error):
        service.edit_comment(comments, caller, added.id, "Hijacked")
    # THEN her words stay hers
    assert comments.rows[added.id][1].body == "Lovely!"


@pytest.mark.parametrize(
    "comment_id",
    ["6f1c1f4e-2b53-4c0e-9a51-0d5e4f0c2a11", "not-a-uuid", "1; DROP TABLE comments"],
    ids=["unknown", "malformed", "injection"],
)
def test_editing_an_unknown_or_malformed_id_is_not_found(comments, comment_id) -> None:
    with pytest.raises(NotFound, match="not found"):
        service.edit_comment(comments, ALICE, comment_id, "text")


def test_edit_validates_the_body_at_the_limit(comments, recipes, profiles) -> None:
    added = add(comments, recipes, profiles)
    assert service.edit_comment(comments, ALICE, added.id, "y" * BODY_MAX).body == "y" * BODY_MAX
    with pytest.raises(ValidationError):
        service.edit_comment(comments, ALICE, added.id, "y" * (BODY_MAX + 1))
    with pytest.raises(ValidationError):
        service.edit_comment(comments, ALICE, added.id, " ")
    assert comments.rows[added.id][1].body == "y" * BODY_MAX


def test_edit_accepts_ids_in_any_uuid_spelling(comments, recipes, profiles) -> None:
    added = add(comments, recipes, profiles)
    assert service.edit_comment(comments, ALICE, added.id.upper(), "Shouted").id == added.id


# -- deleteComment -------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", [ALICE, ADMIN, OPERATOR], ids=["author", "admin", "iam"])
def test_author_and_moderators_delete(comments, recipes, profiles, caller) -> None:
    # GIVEN Alice's comment
    added = add(comments, recipes, profiles)
    # WHEN she, an admin or an IAM operator deletes it
    deleted = service.delete_comment(comments, caller, ADMINS, added.id)
    # THEN it is gone, and the response names it and its recipe
    assert (deleted.id, deleted.recipe_id) == (added.id, "soup")
    assert added.id not in comments.rows


@pytest.mark.parametrize("caller", [BOB, ANONYMOUS], ids=["other-user", "api-key"])
def test_others_may_not_delete(comments, recipes, profiles, caller) -> None:
    added = add(comments, recipes, profiles)
    with pytest.raises(Forbidden):
        service.delete_comment(comments, caller, ADMINS, added.id)
    assert added.id in comments.rows


def test_the_admin_group_comes_from_settings(comments, recipes, profiles) -> None:
    # GIVEN a deployment whose moderators are the "mods" group, not "admins"
    added = add(comments, recipes, profiles)
    # WHEN a member of "admins" tries to delete
    # THEN membership of the wrong group grants nothing
    with pytest.raises(Forbidden):
        service.delete_comment(comments, ADMIN, "mods", added.id)


@pytest.mark.parametrize("caller", [ALICE, ADMIN, OPERATOR], ids=["user", "admin", "iam"])
def test_deleting_an_unknown_or_malformed_id_is_not_found(comments, caller) -> None:
    for comment_id in (str(uuid.uuid4()), "42"):
        with pytest.raises(NotFound):
            service.delete_comment(comments, caller, ADMINS, comment_id)


def test_anonymous_callers_learn_nothing_about_ids(comments) -> None:
    # GIVEN an anonymous caller probing a malformed id
    # THEN it is refused as a caller, before the id is even looked at
    with pytest.raises(Forbidden):
        service.delete_comment(comments, ANONYMOUS, ADMINS, "not-a-uuid")


def test_deleting_twice_is_not_found(comments, recipes, profiles) -> None:
    added = add(comments, recipes, profiles)
    service.delete_comment(comments, ALICE, ADMINS, added.id)
    with pytest.raises(NotFound):
        service.delete_comment(comments, ALICE, ADMINS, added.id)


# -- Recipe.comments and Recipe.commentCount -----------------------------------------------------


def test_pages_walk_the_thread_oldest_first(comments, recipes, profiles) -> None:
    # GIVEN five comments on a recipe
    written = [add(comments, recipes, profiles, body=f"comment {n}") for n in range(5)]
    # WHEN read two at a time, following nextToken
    first = service.list_comments(comments, TOKENS, "soup", 2, None)
    second = service.list_comments(comments, TOKENS, "soup", 2, first.next_token)
    third = service.list_comments(comments, TOKENS, "soup", 2, second.next_token)
    # THEN every comment comes once, oldest first, and the last page says so
    read = [c.body for page in (first, second, third) for c in page.items]
    assert read == [c.body for c in written]
    assert first.next_token
    assert second.next_token
    assert third.next_token is None


def test_an_exactly_full_last_page_has_no_token(comments, recipes, profiles) -> None:
    for n in range(4):
        add(comments, recipes, profiles, body=f"comment {n}")
    first = service.list_comments(comments, TOKENS, "soup", 2, None)
    second = service.list_comments(comments, TOKENS, "soup", 2, first.next_token)
    assert len(second.items) == 2
    assert second.next_token is None


def test_a_token_only_continues_its_own_recipe(comments, recipes, profiles) -> None:
    # GIVEN a token from one recipe's thread
    for n in range(3):
        add(comments, recipes, profiles, body=f"comment {n}")
    token = service.list_comments(comments, TOKENS, "soup", 1, None).next_token
    assert token is not None
    # WHEN it is replayed against another recipe
    # THEN it is refused as a bad request
    with pytest.raises(BadRequest):
        service.list_comments(comments, TOKENS, "stew", 1, token)


@pytest.mark.parametrize("token", ["garbage", "e30.AAAA", "e30"])
def test_forged_tokens_are_bad_requests(comments, token) -> None:
    with pytest.raises(BadRequest):
        service.list_comments(comments, TOKENS, "soup", 5, token)


def test_an_empty_token_reads_the_first_page(comments, recipes, profiles) -> None:
    added = add(comments, recipes, profiles)
    assert service.list_comments(comments, TOKENS, "soup", 5, "").items == (added,)


def test_a_signed_token_of_the_wrong_shape_is_a_bad_request(comments) -> None:
    token = TOKENS.encode("Recipe.comments\nsoup", {"offset": 3})
    with pytest.raises(BadRequest):
        service.list_comments(comments, TOKENS, "soup", 5, token)


def test_page_size_defaults_to_20_and_caps_at_100(comments, recipes, profiles) -> None:
    for n in range(MAX_LIMIT + 5):
        add(comments, recipes, profiles, body=f"comment {n}")
    assert len(service.list_comments(comments, TOKENS, "soup", None, None).items) == 20
    assert len(service.list_comments(comments, TOKENS, "soup", 500, None).items) == MAX_LIMIT
    with pytest.raises(ValidationError):
        service.list_comments(comments, TOKENS, "soup", 0, None)


def test_counts_come_back_in_batch_order_from_one_call(comments, recipes, profiles) -> None:
    # GIVEN two comments on "soup", one on "stew", none on "salad"
    recipes.create(make_recipe("stew"))
    add(comments, recipes, profiles, recipe_id="soup")
    add(comments, recipes, profiles, recipe_id="soup")
    add(comments, recipes, profiles, recipe_id="stew")
    # WHEN a batch asks for them, with a repeat and a parent without an id
    counts = service.comment_counts(comments, ["salad", "soup", None, "stew", "soup"])
    # THEN each position gets its own count, zero included, from a single lookup
    assert counts == [0, 2, None, 1, 2]
    assert comments.count_calls == 1
