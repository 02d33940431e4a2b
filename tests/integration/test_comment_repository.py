"""The Aurora comment repository against real PostgreSQL behind the local Data API endpoint."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from resolvers.comments import service
from resolvers.comments.repository import AuroraCommentRepository
from resolvers.store.recipe_activity import AuroraRecipeActivity
from tests.integration.conftest import new_recipe_id

AWS_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@pytest.fixture
def repo(data_api) -> AuroraCommentRepository:
    return AuroraCommentRepository(data_api)


# -- writes --------------------------------------------------------------------------------------


def test_add_returns_the_stored_comment_with_aws_timestamps(repo) -> None:
    # GIVEN a recipe id
    recipe_id = new_recipe_id()
    # WHEN a comment is added
    added = repo.add(recipe_id, "alice", "Lovely!")
    # THEN it comes back with a UUID and AWSDateTime timestamps, and reads back the same
    assert added is not None
    assert str(uuid.UUID(added.id)) == added.id
    assert AWS_DATETIME.match(added.created_at)
    assert added.created_at == added.updated_at
    assert repo.page(recipe_id, 10, None).items == (added,)


def test_a_resent_insert_adds_one_comment_and_answers_with_it(repo, data_api_client) -> None:
    # GIVEN a client that sends the comment's INSERT again after it ran, as botocore does when
    # a read times out (the first response is lost, the statement is not)
    recipe_id = new_recipe_id()
    resent: list[str] = []

    def resend_the_first_insert(attempts: int, request_dict: dict, **_: object) -> int | None:
        sql = json.loads(request_dict["body"])["sql"]
        if "INSERT INTO comments" in sql and attempts == 1:
            resent.append(sql)
            return 0  # retry at once
        return None

    event = "needs-retry.rds-data.ExecuteStatement"
    data_api_client.meta.events.register(event, resend_the_first_insert)
    try:
        # WHEN a comment is added
        added = repo.add(recipe_id, "alice", "Only once, please")
    finally:
        data_api_client.meta.events.unregister(event, resend_the_first_insert)

    # THEN the statement ran twice, yet the recipe has one comment: the one the caller got back
    assert len(resent) == 1
    assert added is not None
    assert repo.page(recipe_id, 10, None).items == (added,)


@pytest.mark.parametrize(
    "text",
    [
        "'); DROP TABLE comments; --",
        "Robert'); DELETE FROM ratings WHERE ('1'='1",
        ":recipe_id :body ::text $1 %s %(body)s ? \\' \\\\",
        "émoji 🍲 and 'quotes' and \"doubles\" and a\nnewline",
    ],
    ids=["drop-table", "delete", "placeholders", "unicode"],
)
def test_hostile_text_is_stored_verbatim(repo, data_api, text) -> None:
    # GIVEN text crafted to break out of SQL or to look like parameters, in every text column
    recipe_id = f"{text}-{uuid.uuid4()}"
    # WHEN it is written and read back
    added = repo.add(recipe_id, text, text)
    assert added is not None
    # THEN every byte survives, and the tables it names are still there
    assert (added.recipe_id, added.author_id, added.body) == (recipe_id, text, text)
    assert repo.page(recipe_id, 10, None).items == (added,)
    assert data_api.query(
        "SELECT count(*) AS n FROM comments WHERE id = CAST(:id AS uuid)", id=added.id
    )
    assert data_api.query("SELECT count(*) AS n FROM ratings") is not None


def test_author_edit_replaces_the_body_and_moves_updated_at(repo) -> None:
    # GIVEN Alice's comment
    recipe_id = new_recipe_id()
    added = repo.add(recipe_id, "alice", "First draft")
    assert added is not None
    # WHEN she edits it
    edited = repo.edit(added.id, "alice", "Second draft")
    # THEN the new body is stored, created_at stays and updated_at moves forward
    assert edited.found
    assert edited.value is not None
    assert (edited.value.body, edited.value.created_at) == ("Second draft", added.created_at)
    assert edited.value.updated_at >= added.updated_at
    assert repo.page(recipe_id, 10, None).items == (edited.value,)


def test_edit_by_another_user_is_refused_and_changes_nothing(repo) -> None:
    recipe_id = new_recipe_id()
    added = repo.add(recipe_id, "alice", "Mine")
    assert added is not None
    refused = repo.edit(added.id, "bob", "Hijacked")
    assert (refused.found, refused.value) == (True, None)
    assert repo.page(recipe_id, 10, None).items[0].body == "Mine"


def test_edit_of_a_missing_comment_is_not_found(repo) -> None:
    missing = repo.edit(str(uuid.uuid4()), "alice", "text")
    assert (missing.found, missing.value) == (False, None)


def test_delete_by_author_moderator_or_nobody(repo) -> None:
    # GIVEN two of Alice's comments
    recipe_id = new_recipe_id()
    first = repo.add(recipe_id, "alice", "one")
    second = repo.add(recipe_id, "alice", "two")
    assert first is not None
    assert second is not None
    # WHEN Bob tries, then a moderator (no user id) and Alice delete one each
    refused = repo.delete(first.id, author_id="bob", any_author=False)
    by_moderator = repo.delete(first.id, author_id=None, any_author=True)
    by_author = repo.delete(second.id, author_id="alice", any_author=False)
    # THEN Bob changes nothing; the others delete, and a second delete finds nothing
    assert (refused.found, refused.value) == (True, None)
    assert by_moderator.value is not None
    assert (by_moderator.value.id, by_moderator.value.recipe_id) == (first.id, recipe_id)
    assert AWS_DATETIME.match(by_moderator.value.deleted_at)
    assert by_author.value is not None
    assert repo.page(recipe_id, 10, None).items == ()
    assert not repo.delete(second.id, author_id="alice", any_author=False).found


# -- Recipe.comments -----------------------------------------------------------------------------


def test_pages_are_oldest_first_and_join_up(repo) -> None:
    # GIVEN seven comments on one recipe and one on another
    recipe_id = new_recipe_id()
    written = [repo.add(recipe_id, "alice", f"comment {n}") for n in range(7)]
    repo.add(new_recipe_id(), "alice", "elsewhere")
    # WHEN read three at a time
    pages = [repo.page(recipe_id, 3, None)]
    while pages[-1].next is not None:
        pages.append(repo.page(recipe_id, 3, pages[-1].next))
    # THEN three pages hold exactly this recipe's comments, oldest first
    assert [len(page.items) for page in pages] == [3, 3, 1]
    assert [c for page in pages for c in page.items] == written


def test_equal_timestamps_page_by_id(repo, data_api) -> None:
    # GIVEN five comments written in one instant (one transaction shares one now())
    recipe_id = new_recipe_id()
    with data_api.transaction() as tx:
        for n in range(5):
            tx.execute(
                "INSERT INTO comments (id, recipe_id, author_id, body) "
                "VALUES (gen_random_uuid(), :recipe_id, 'alice', :body)",
                recipe_id=recipe_id,
                body=f"tied {n}",
            )
    # WHEN paged two at a time
    first = repo.page(recipe_id, 2, None)
    second = repo.page(recipe_id, 2, first.next)
    third = repo.page(recipe_id, 2, second.next)
    # THEN the id breaks the tie: nothing is skipped or repeated
    ids = [c.id for page in (first, second, third) for c in page.items]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5
    assert third.next is None


def test_service_pages_with_signed_tokens(repo) -> None:
    from resolvers.pagination import PageTokens

    # GIVEN five comments
    recipe_id = new_recipe_id()
    written = [repo.add(recipe_id, "alice", f"comment {n}") for n in range(5)]
    tokens = PageTokens(b"integration-secret-0123456789")
    # WHEN the service hands out pages of two with tokens
    read, token = [], None
    for _ in range(3):
        listed = service.list_comments(repo, tokens, recipe_id, 2, token)
        read += listed.items
        token = listed.next_token
    # THEN the tokens walk the whole thread and stop
    assert read == written
    assert token is None


# -- Recipe.commentCount -------------------------------------------------------------------------


def test_counts_are_in_batch_order_with_zeros(repo) -> None:
    # GIVEN two recipes with comments and one without
    busy, quiet, empty = new_recipe_id(), new_recipe_id(), new_recipe_id()
    for _ in range(3):
        repo.add(busy, "alice", "hi")
    repo.add(quiet, "bob", "hi")
    # WHEN a batch asks for them out of order, with a repeat
    counts = service.comment_counts(repo, [empty, busy, quiet, busy])
    # THEN each position gets its count and the empty one is zero
    assert counts == [0, 3, 1, 3]


@pytest.mark.parametrize("size", [1, 10, 100])
def test_one_statement_per_batch_whatever_its_size(repo, statements, size) -> None:
    # GIVEN a batch of `size` recipes
    recipe_ids = [new_recipe_id() for _ in range(size)]
    repo.add(recipe_ids[0], "alice", "hi")
    statements.clear()
    # WHEN their counts are read
    counts = service.comment_counts(repo, recipe_ids)
    # THEN one SQL statement answered the whole batch
    assert len(statements) == 1
    assert counts == [1] + [0] * (size - 1)


def test_a_batch_without_ids_runs_no_sql(repo, statements) -> None:
    assert service.comment_counts(repo, [None, None]) == [None, None]
    assert statements == []


# -- tombstones ----------------------------------------------------------------------------------


def test_no_comment_lands_on_a_deleted_recipe(repo, data_api) -> None:
    # GIVEN a purged recipe
    recipe_id = new_recipe_id()
    AuroraRecipeActivity(data_api).purge(recipe_id)
    # WHEN someone comments on it
    # THEN the tombstone refuses the insert
    assert repo.add(recipe_id, "alice", "Too late") is None
    assert repo.page(recipe_id, 10, None).items == ()
