"""What a mutation publishes: the caller's view of the result, keyed by field name (§5.2)."""

from __future__ import annotations

from typing import Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode, build_schema, parse

from devserver.auth import API_KEY, AuthContext
from devserver.engine import MutationCompleted
from devserver.subscriptions.published import published_value

SCHEMA = build_schema(
    """
    type Query { unused: Int }
    type Author { id: ID!, name: String }
    type Note { id: ID!, text: String, author: Author, related: [Note] }
    type Mutation { addNote(text: String): Note, addNotes: [Note] }
    """
)


def publish(mutation: str, value: Any, raw_value: Any = None) -> Any:
    document = parse(mutation)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    root = operation.selection_set.selections[0]
    event = MutationCompleted(
        field_name=root.name.value,  # type: ignore[attr-defined]
        response_key="x",
        arguments={},
        value=value,
        raw_value=value if raw_value is None else raw_value,
        selection_set=root.selection_set,  # type: ignore[attr-defined]
        auth=AuthContext(API_KEY, None),
        request_id="r",
        fragments=fragments,
    )
    return published_value(SCHEMA, event)


def test_aliases_are_undone_at_every_level() -> None:
    published = publish(
        "mutation { addNote { key: id text who: author { handle: name } } }",
        {"key": "n1", "text": "hi", "who": {"handle": "ana"}},
    )
    assert published == {"id": "n1", "text": "hi", "author": {"name": "ana"}}


def test_lists_and_inline_fragments_are_walked() -> None:
    published = publish(
        "mutation { addNotes { ... on Note { key: id } related { t: text } } }",
        [{"key": "n1", "related": [{"t": "a"}, {"t": "b"}]}, None],
    )
    assert published == [{"id": "n1", "related": [{"text": "a"}, {"text": "b"}]}, None]


def test_named_fragments_are_followed_and_their_aliases_undone() -> None:
    published = publish(
        "mutation { addNote { ...Rest } } fragment Rest on Note { key: id who: author { name } }",
        {"key": "n1", "who": {"name": "ana"}, "stray": 1},
    )
    assert published == {"id": "n1", "author": {"name": "ana"}}


def test_null_and_scalar_results_pass_through() -> None:
    assert publish("mutation { addNote { id } }", None) is None


def test_only_what_the_caller_received_is_published_not_the_resolvers_answer() -> None:
    # GIVEN a resolver that answered more than the mutation selected
    published = publish(
        "mutation { addNote { id } }",
        {"id": "n1"},
        raw_value={"id": "n1", "text": "draft", "author": {"id": "a1", "name": "ana"}},
    )
    # THEN only the selected field is published
    assert published == {"id": "n1"}
