"""Starting subscriptions and fanning events out, on a minimal API without any WebSocket."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse

from devserver.app import create_app
from devserver.auth import API_KEY, AuthContext
from devserver.config import DevServerConfig
from devserver.engine import MutationCompleted
from devserver.subscriptions import SubscriptionSettings
from devserver.subscriptions.pruning import Projector
from devserver.subscriptions.registry import Delivery
from devserver.subscriptions.service import Accepted, Rejected, SubscriptionService

SCHEMA = """
schema { query: Query mutation: Mutation subscription: Subscription }
type Query { unused: Int }
type Item { id: ID!, a: String, b: String, c: String, d: String, e: String, f: String }
type Mutation { put(id: ID!): Item }
type Subscription {
  onPut(id: ID, a: String, b: String, c: String, d: String, e: String, f: String): Item
    @aws_subscribe(mutations: ["put"])
}
"""
WIRING = '[api]\nname = "mini"\ndefault_auth = "API_KEY"\n'
CALLER = AuthContext(API_KEY, None)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[SubscriptionService]:
    (tmp_path / "schema.graphql").write_text(SCHEMA)
    (tmp_path / "wiring.toml").write_text(WIRING)
    config = DevServerConfig(
        schema_path=tmp_path / "schema.graphql",
        wiring_path=tmp_path / "wiring.toml",
        auth_state_dir=tmp_path / "auth",
        api_key="da2-minimalminimalminimal0000",
    )
    saved = dict(os.environ)
    try:
        app = create_app(config, subscriptions=SubscriptionSettings(max_payload_bytes=200))
        yield app.state.devserver.subscriptions.service
    finally:
        os.environ.clear()
        os.environ.update(saved)


def start(service: SubscriptionService, query: str) -> Accepted | Rejected:
    outcome = asyncio.run(service.start(CALLER, {}, {"query": query}, operations=False))
    assert isinstance(outcome, Accepted | Rejected)
    return outcome


def put(value: dict[str, Any], raw_value: dict[str, Any] | None = None) -> MutationCompleted:
    """`put` as its caller ran it, selecting `{ id a }`; `raw_value` is the resolver's answer."""
    operation = parse("mutation { put(id: 1) { id a } }").definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    root: Any = operation.selection_set.selections[0]
    return MutationCompleted(
        "put", "put", {"id": "1"}, value, raw_value or value, root.selection_set, CALLER, "r"
    )


def test_five_filter_arguments_are_allowed_and_six_are_not(service) -> None:
    five = start(service, 'subscription { onPut(a: "1", b: "2", c: "3", d: "4", e: "5") { id } }')
    six = start(
        service, 'subscription { onPut(a: "1", b: "2", c: "3", d: "4", e: "5", f: "6") { id } }'
    )
    assert isinstance(five, Accepted)
    assert isinstance(six, Rejected)
    assert [error.formatted for error in six.errors] == [
        {"message": "Filters exceed maximum attributes limit 5 for subscription", "errorCode": 400}
    ]


def test_invalid_operations_are_rejected_with_appsync_validation_errors(service) -> None:
    rejected = start(service, "subscription { onPut { nope } }")
    assert isinstance(rejected, Rejected)
    assert rejected.errors[0].message.startswith("Validation error of type FieldUndefined")


def test_identical_subscriptions_share_one_projection_per_event(service, monkeypatch) -> None:
    calls: list[object] = []
    original = Projector.project

    def counting(self: Projector, root: Any) -> Any:
        calls.append(root)
        return original(self, root)

    monkeypatch.setattr(Projector, "project", counting)

    async def scenario() -> tuple[int, list[Delivery]]:
        received: list[Delivery] = []
        for query in ["subscription { onPut { id a } }"] * 3 + ["subscription { onPut { a } }"]:
            accepted = await service.start(CALLER, {}, {"query": query}, operations=False)
            assert isinstance(accepted, Accepted)
            service.subscribe(accepted, received.append, "test")
        schema = service.engine.holder.current.schema
        delivered = await service.publisher.publish(put({"id": "1", "a": "x"}), schema)
        return delivered, received

    delivered, received = asyncio.run(scenario())
    assert delivered == 4
    assert len(calls) == 2  # one per group, not one per subscriber
    assert [delivery.payload_json for delivery in received] == [
        '{"data":{"onPut":{"id":"1","a":"x"}}}'
    ] * 3 + ['{"data":{"onPut":{"a":"x"}}}']


def test_fields_the_mutation_did_not_select_never_reach_subscribers(service) -> None:
    async def scenario() -> list[Delivery]:
        # GIVEN a subscriber that selects more than the mutation did
        received: list[Delivery] = []
        accepted = await service.start(
            CALLER, {}, {"query": "subscription { onPut { id a b c } }"}, operations=False
        )
        assert isinstance(accepted, Accepted)
        service.subscribe(accepted, received.append, "test")
        # WHEN `put { id a }` completes, its resolver having answered every field
        schema = service.engine.holder.current.schema
        resolved = {"id": "1", "a": "x", "b": "private to the caller", "c": "also"}
        await service.publisher.publish(put({"id": "1", "a": "x"}, resolved), schema)
        return received

    # THEN the subscriber gets what the mutation selected, and null for the rest
    received = asyncio.run(scenario())
    assert [delivery.payload_json for delivery in received] == [
        '{"data":{"onPut":{"id":"1","a":"x","b":null,"c":null}}}'
    ]


def test_oversized_payloads_are_dropped_with_a_warning(service, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="devserver.subscriptions")

    async def scenario() -> tuple[int, list[Delivery]]:
        received: list[Delivery] = []
        accepted = await service.start(
            CALLER, {}, {"query": "subscription { onPut { a } }"}, operations=False
        )
        assert isinstance(accepted, Accepted)
        service.subscribe(accepted, received.append, "test")
        schema = service.engine.holder.current.schema
        return await service.publisher.publish(put({"id": "1", "a": "x" * 300}), schema), received

    assert asyncio.run(scenario()) == (0, [])
    assert "200-byte subscription payload limit" in caplog.text


def test_mutations_from_another_thread_are_queued_to_the_servers_loop(service) -> None:
    async def scenario() -> list[Delivery]:
        received: list[Delivery] = []
        service.publisher.on_mutation(put({"id": "0", "a": "early"}))  # nobody listens: no-op
        accepted = await service.start(
            CALLER, {}, {"query": "subscription { onPut { a } }"}, operations=False
        )
        assert isinstance(accepted, Accepted)
        service.subscribe(accepted, received.append, "test")
        await asyncio.to_thread(service.publisher.on_mutation, put({"id": "1", "a": "late"}))
        for _ in range(200):
            if received:
                break
            await asyncio.sleep(0.01)
        await service.aclose()
        return received

    received = asyncio.run(scenario())
    assert [delivery.result.data for delivery in received] == [{"onPut": {"a": "late"}}]
