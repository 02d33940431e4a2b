"""Purging a deleted recipe's comments and ratings, and the tombstone that keeps them out."""

from __future__ import annotations

import threading
import time

import pytest

from resolvers.comments.repository import AuroraCommentRepository
from resolvers.ratings.repository import AuroraRatingRepository
from resolvers.store.recipe_activity import LOCK_FOR_PURGE, AuroraRecipeActivity
from tests.integration.conftest import new_recipe_id

BLOCKED_FOR_S = 0.5


@pytest.fixture
def activity(data_api) -> AuroraRecipeActivity:
    return AuroraRecipeActivity(data_api)


@pytest.fixture
def comments(data_api) -> AuroraCommentRepository:
    return AuroraCommentRepository(data_api)


@pytest.fixture
def ratings(data_api) -> AuroraRatingRepository:
    return AuroraRatingRepository(data_api)


def test_purge_removes_only_that_recipes_comments_and_ratings(activity, comments, ratings) -> None:
    # GIVEN two recipes, each with comments and ratings
    doomed, kept = new_recipe_id(), new_recipe_id()
    for recipe_id in (doomed, kept):
        comments.add(recipe_id, "alice", "Nice")
        comments.add(recipe_id, "bob", "Agreed")
        ratings.rate(recipe_id, "alice", 4)
    # WHEN one of them is purged
    activity.purge(doomed)
    # THEN it has nothing left and is marked deleted; the other is untouched
    assert comments.counts([doomed, kept]) == {kept: 2}
    assert set(ratings.summaries([doomed, kept])) == {kept}
    assert activity.is_deleted(doomed)
    assert not activity.is_deleted(kept)


def test_purge_blocks_new_comments_and_ratings(activity, comments, ratings) -> None:
    # GIVEN a purged recipe
    recipe_id = new_recipe_id()
    activity.purge(recipe_id)
    # WHEN anyone writes to it afterwards
    # THEN nothing is written
    assert comments.add(recipe_id, "alice", "Hello?") is None
    assert ratings.rate(recipe_id, "alice", 5) is None
    assert comments.counts([recipe_id]) == {}
    assert ratings.summaries([recipe_id]) == {}


def test_purge_is_idempotent(activity, comments) -> None:
    # GIVEN a recipe purged once, e.g. before a delete that failed and is retried
    recipe_id = new_recipe_id()
    comments.add(recipe_id, "alice", "Nice")
    activity.purge(recipe_id)
    # WHEN it is purged again
    activity.purge(recipe_id)
    # THEN it is still deleted and still empty, without an error
    assert activity.is_deleted(recipe_id)
    assert comments.counts([recipe_id]) == {}


def test_a_write_racing_a_purge_lands_nowhere(data_api, comments, ratings) -> None:
    # GIVEN a purge under way: lock held, tombstone written, rows deleted, not yet committed
    recipe_id = new_recipe_id()
    results: list[object] = []
    with data_api.transaction() as purge:
        purge.query(LOCK_FOR_PURGE, recipe_id=recipe_id)
        purge.execute("INSERT INTO recipe_tombstones (recipe_id) VALUES (:r)", r=recipe_id)
        # WHEN a comment and a rating arrive in that window
        writers = [
            threading.Thread(target=lambda: results.append(comments.add(recipe_id, "a", "hi"))),
            threading.Thread(target=lambda: results.append(ratings.rate(recipe_id, "a", 5))),
        ]
        for writer in writers:
            writer.start()
        time.sleep(BLOCKED_FOR_S)
        # THEN they wait for the purge instead of writing past its snapshot
        assert all(writer.is_alive() for writer in writers)
    for writer in writers:
        writer.join(timeout=10)
    # AND once it commits they see the tombstone and write nothing
    assert results == [None, None]
    assert comments.counts([recipe_id]) == {}
    assert ratings.summaries([recipe_id]) == {}


def test_a_purge_waits_for_writes_already_under_way(data_api, activity, comments) -> None:
    # GIVEN a comment being written: the writer holds the recipe's lock, not yet committed
    from resolvers.store.recipe_activity import recipe_write

    recipe_id = new_recipe_id()
    purged = threading.Event()
    with recipe_write(data_api, recipe_id) as tx:
        tx.execute(
            "INSERT INTO comments (id, recipe_id, author_id, body) "
            "VALUES (gen_random_uuid(), :recipe_id, 'alice', 'in flight')",
            recipe_id=recipe_id,
        )
        # WHEN the recipe is purged meanwhile
        purge = threading.Thread(target=lambda: (activity.purge(recipe_id), purged.set()))
        purge.start()
        time.sleep(BLOCKED_FOR_S)
        # THEN the purge waits for the write
        assert not purged.is_set()
    purge.join(timeout=10)
    # AND, once the write commits, deletes it too
    assert purged.is_set()
    assert comments.counts([recipe_id]) == {}
