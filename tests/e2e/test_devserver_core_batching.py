"""Batch invokes exactly as the wiring says (semantics §2): one list per level, maxBatchSize apart."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def invocations(tiny_server) -> Any:
    """Read (and clear) the handler's log of invocations; cleared once before the test."""

    def read() -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = tiny_server.gql("{ invocations { field batchSize } }")[
            "data"
        ]["invocations"]
        return result

    read()
    return read


def test_sibling_fields_are_sent_as_lists_of_at_most_max_batch_size(
    tiny_server, invocations
) -> None:
    # GIVEN Note.author wired with max_batch_size 2 and Note.badge with 10
    # WHEN five notes ask for both
    body = tiny_server.gql("{ notes(count: 5) { author { name } badge { label } } }")
    # THEN the authors come from three invokes (2 + 2 + 1) and the badges from one of 5
    assert [note["author"]["name"] for note in body["data"]["notes"]] == [
        "Author a0",
        "Author a1",
        "Author a2",
        "Author a0",
        "Author a1",
    ]
    assert invocations() == [
        {"field": "Query.notes", "batchSize": None},
        {"field": "Note.author", "batchSize": 2},
        {"field": "Note.author", "batchSize": 2},
        {"field": "Note.author", "batchSize": 1},
        {"field": "Note.badge", "batchSize": 5},
    ]


def test_batch_events_are_full_direct_lambda_events(tiny_server) -> None:
    # GIVEN a batched field under two aliases with different sub-selections
    # WHEN it resolves
    body = tiny_server.gql("{ notes(count: 2) { id author { id } writer: author { name } } }")
    # THEN each alias got its own answer (the handler saw each note as the event's source)
    assert body["data"]["notes"] == [
        {"id": "n0", "author": {"id": "a0"}, "writer": {"name": "Author a0"}},
        {"id": "n1", "author": {"id": "a1"}, "writer": {"name": "Author a1"}},
    ]


def test_envelope_items_become_per_item_errors(tiny_server) -> None:
    # GIVEN a batch handler answering {data} for even notes and {errorMessage, errorType} for odd
    # WHEN four badges resolve
    body = tiny_server.gql("{ notes(count: 4) { id badge { label } } }")
    # THEN even notes get their data, odd ones null with an error under their own path
    assert [note["badge"] for note in body["data"]["notes"]] == [
        {"label": "badge 0"},
        None,
        {"label": "badge 2"},
        None,
    ]
    assert [(e["path"], e["errorType"], e["message"]) for e in body["errors"]] == [
        (["notes", 1, "badge"], "NoBadge", "no badge for 1"),
        (["notes", 3, "badge"], "NoBadge", "no badge for 3"),
    ]
    assert body["errors"][0]["data"] is None
    assert body["errors"][0]["errorInfo"] is None


def test_a_response_of_the_wrong_length_fails_every_item(tiny_server) -> None:
    # GIVEN a batch handler that answers one item short
    # WHEN three notes resolve the field
    body = tiny_server.gql("{ notes(count: 3) { id mismatched } }")
    # THEN every item is null with an error, and sibling fields are unaffected
    assert body["data"]["notes"] == [
        {"id": "n0", "mismatched": None},
        {"id": "n1", "mismatched": None},
        {"id": "n2", "mismatched": None},
    ]
    assert [error["path"] for error in body["errors"]] == [
        ["notes", 0, "mismatched"],
        ["notes", 1, "mismatched"],
        ["notes", 2, "mismatched"],
    ]
    assert {error["errorType"] for error in body["errors"]} == {"BatchResponseMismatch"}


def test_a_failed_batch_invoke_fails_every_item_with_its_error_type(tiny_server) -> None:
    # GIVEN a batch handler that raises for the whole list
    # WHEN two notes resolve the field
    body = tiny_server.gql("{ notes(count: 2) { id crash } }")
    # THEN each item is null with the exception's class name and message under its own path
    assert body["data"]["notes"] == [{"id": "n0", "crash": None}, {"id": "n1", "crash": None}]
    assert [(e["path"], e["errorType"], e["message"]) for e in body["errors"]] == [
        (["notes", 0, "crash"], "BatchBoomError", "2 notes at once is too many"),
        (["notes", 1, "crash"], "BatchBoomError", "2 notes at once is too many"),
    ]


def test_root_mutations_are_never_batched_and_run_in_order(tiny_server, invocations) -> None:
    # GIVEN three aliased calls of one root mutation
    # WHEN they run in one request
    body = tiny_server.gql(
        'mutation { a: addNote(text: "1") { text } b: addNote(text: "2") { text }'
        ' c: addNote(text: "3") { text } }'
    )
    # THEN each is its own invoke, in document order
    assert body["data"] == {"a": {"text": "1"}, "b": {"text": "2"}, "c": {"text": "3"}}
    assert invocations() == [{"field": "Mutation.addNote", "batchSize": None}] * 3


def test_unbatched_nested_fields_invoke_once_per_item(tiny_server, invocations) -> None:
    # GIVEN Note.trace wired without max_batch_size
    # WHEN three notes resolve it
    tiny_server.gql("{ notes(count: 3) { trace } }")
    # THEN it is three single invokes
    assert invocations()[1:] == [{"field": "Note.trace", "batchSize": None}] * 3
