"""The engine's hooks for the subscription transports: mutation events and publish-mode execution."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from graphql import print_ast

from devserver.auth import API_KEY, AuthContext
from devserver.execution.engine import MutationCompleted


def test_mutation_listeners_hear_each_completed_root_mutation(tiny_server) -> None:
    # GIVEN a listener on the running server's engine
    heard: list[MutationCompleted] = []
    engine = tiny_server.app.state.devserver.engine
    unsubscribe = engine.add_mutation_listener(heard.append)
    try:
        # WHEN a mutation runs under an alias with a partial selection
        body = tiny_server.gql('mutation { added: addNote(text: "hi") { id text } }')
    finally:
        unsubscribe()
    # THEN the listener got the field, its arguments, the client's view and the raw answer
    assert body == {"data": {"added": {"id": "n99", "text": "hi"}}}
    assert len(heard) == 1
    event = heard[0]
    assert (event.field_name, event.response_key) == ("addNote", "added")
    assert event.arguments == {"text": "hi"}
    assert event.value == {"id": "n99", "text": "hi"}
    assert event.raw_value["strictTitle"] == "Title 99"  # the Lambda's full answer
    assert event.selection_set is not None
    assert print_ast(event.selection_set) == "{\n  id\n  text\n}"
    assert event.auth.mode == API_KEY


def test_failed_mutations_are_not_announced(tiny_server) -> None:
    # GIVEN a listener
    heard: list[Any] = []
    unsubscribe = tiny_server.app.state.devserver.engine.add_mutation_listener(heard.append)
    try:
        # WHEN a mutation's resolver raises
        body = tiny_server.gql('mutation { addNote(text: "") { id } }')
    finally:
        unsubscribe()
    # THEN the client gets the error (the non-null root nulls all data) and nothing is announced
    assert body["data"] is None
    assert body["errors"][0]["errorType"] == "ValueError"
    assert heard == []


def test_publish_mode_reads_the_payload_instead_of_invoking(tiny_engine) -> None:
    # GIVEN an engine (no HTTP) and a subscription operation
    engine = tiny_engine
    query = "subscription { onNoteAdded { id text strictTitle } }"
    payload = {"onNoteAdded": {"id": "n1", "text": "hello", "strictTitle": "T", "extra": 1}}

    async def run(*, publish: bool) -> Any:
        context = engine.new_context(auth=AuthContext(mode=API_KEY, identity=None), headers={})
        context.publish = publish
        return await engine.execute(context, query, root_value=payload if publish else None)

    # WHEN it runs at subscribe time, then for a published event
    started = asyncio.run(run(publish=False))
    published = asyncio.run(run(publish=True))
    # THEN the unwired start resolver yields null, and the event is shaped by the subscriber
    assert (started.data, started.errors) == ({"onNoteAdded": None}, None)
    assert published.data == {"onNoteAdded": {"id": "n1", "text": "hello", "strictTitle": "T"}}
    assert published.errors is None


def test_a_context_executed_again_sends_events_with_its_new_variables(tiny_engine) -> None:
    # GIVEN one request context executed twice with different variables
    engine = tiny_engine
    query = "query Echo($m: String) { echo(message: $m) { event } }"
    context = engine.new_context(auth=AuthContext(mode=API_KEY, identity=None), headers={})

    async def run(message: str) -> Any:
        result = await engine.execute(context, query, {"m": message})
        return json.loads(result.data["echo"]["event"])

    first = asyncio.run(run("one"))
    second = asyncio.run(run("two"))
    # THEN each event carries the variables and arguments of its own execution
    assert (first["arguments"], first["info"]["variables"]) == ({"message": "one"}, {"m": "one"})
    assert (second["arguments"], second["info"]["variables"]) == ({"message": "two"}, {"m": "two"})
