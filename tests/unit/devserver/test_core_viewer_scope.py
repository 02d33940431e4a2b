"""The start-up check that keeps viewer-specific data away from subscriptions."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import build_schema

from devserver.runtime import SchemaError, build_schema_from_file
from devserver.viewer_scope import viewer_specific_leaks

BASE = """
type Query { me: Account, note(id: ID!): Note }
type Mutation { writeNote(text: String!): Note }
type Subscription { onNote: Note }
"Viewer-specific: the caller's account."
type Account { id: ID!, email: String }
"""


def _leaks(extra: str) -> list[str]:
    return viewer_specific_leaks(build_schema(BASE + extra))


def test_a_schema_that_keeps_private_data_behind_the_root_query_passes() -> None:
    # GIVEN notes with public fields, and the account reachable only through Query.me
    leaks = _leaks(
        "type Note { id: ID!, text: String!, author: Author }\ntype Author { name: String }"
    )
    # THEN no subscription reaches it
    assert leaks == []


def test_a_marked_field_on_a_published_type_is_a_leak() -> None:
    # GIVEN a published type with a field only its caller should see
    leaks = _leaks('type Note { id: ID!, "Viewer-specific: my stars." myStars: Int }')
    # THEN the check names the path to it
    assert leaks == ["Subscription.onNote > Note.myStars is viewer-specific"]


def test_a_marked_type_reached_through_nested_fields_is_a_leak() -> None:
    # GIVEN a published note whose author links to the private account two levels down
    leaks = _leaks(
        "type Note { id: ID!, author: Author }\ntype Author { name: String, account: Account }"
    )
    # THEN the whole path is named
    assert leaks == [
        "Subscription.onNote > Note.author > Author.account returns viewer-specific type Account"
    ]


def test_unions_and_interfaces_are_followed_to_their_members() -> None:
    # GIVEN a published union whose member carries a private field
    leaks = _leaks(
        "union Note = Text | Photo\ntype Text { body: String }\n"
        'type Photo { url: String, "viewer-specific, lower case too" owner: String }'
    )
    # THEN the member's field is found
    assert leaks == ["Subscription.onNote > Photo.owner is viewer-specific"]


def test_the_devserver_refuses_to_build_a_schema_that_leaks(tmp_path: Path) -> None:
    # GIVEN a schema file whose subscription reaches the private account
    path = tmp_path / "schema.graphql"
    path.write_text(BASE + "type Note { id: ID!, account: Account }")
    # WHEN the devserver builds its schema
    # THEN it refuses, saying why and where
    with pytest.raises(SchemaError, match=r"Subscription\.onNote > Note\.account"):
        build_schema_from_file(path)
