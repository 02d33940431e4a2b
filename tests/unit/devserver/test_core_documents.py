"""Prepared documents: cached, and a long new one parsed and validated off the event loop."""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any

import pytest
from graphql import build_schema

from devserver.execution import runtime as runtime_module
from devserver.execution.runtime import OFF_LOOP_CHARACTERS, DocumentCache

SCHEMA = build_schema("type Query { item(id: ID!): Item } type Item { id: ID! name: String }")


def _aliases(count: int, field: str = "name") -> str:
    return "{ " + " ".join(f'a{n}: item(id: "{n}") {{ id {field} }}' for n in range(count)) + " }"


@pytest.fixture
def validated_on(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads that validated each document."""
    threads: list[str] = []
    validate = runtime_module.validate_document

    def recording(*args: Any) -> Any:
        threads.append(threading.current_thread().name)
        return validate(*args)

    monkeypatch.setattr(runtime_module, "validate_document", recording)
    return threads


def test_a_long_new_document_is_validated_on_a_thread_once(validated_on: list[str]) -> None:
    cache = DocumentCache(SCHEMA, size=10)
    query = _aliases(200)
    assert len(query) >= OFF_LOOP_CHARACTERS

    async def twice() -> tuple[Any, Any, str]:
        first = await cache.prepare(query)
        second = await cache.prepare(query)
        return first, second, threading.current_thread().name

    first, second, loop_thread = asyncio.run(twice())
    assert first is second
    assert first.errors == []
    assert validated_on != [loop_thread]
    assert len(validated_on) == 1


def test_a_short_document_is_validated_on_the_loop(validated_on: list[str]) -> None:
    cache = DocumentCache(SCHEMA, size=10)

    async def once() -> str:
        await cache.prepare(_aliases(2))
        return threading.current_thread().name

    assert validated_on == [asyncio.run(once())]


def test_a_long_invalid_document_gets_its_validation_errors() -> None:
    cache = DocumentCache(SCHEMA, size=10)
    prepared = asyncio.run(cache.prepare(_aliases(200, field="nope")))
    assert prepared.errors
    assert "FieldUndefined: Field 'nope' in type 'Item' is undefined" in prepared.errors[0].message


def test_requests_bringing_the_same_new_document_at_once_share_one_preparation(
    validated_on: list[str],
) -> None:
    cache = DocumentCache(SCHEMA, size=10)
    query = _aliases(200)

    async def at_once() -> list[Any]:
        return list(await asyncio.gather(*(cache.prepare(query) for _ in range(3))))

    first, second, third = asyncio.run(at_once())
    assert first is second is third
    assert len(validated_on) == 1


def test_the_preparing_thread_takes_short_gil_turns_and_only_while_it_prepares(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    intervals: list[float] = []
    validate = runtime_module.validate_document

    def recording(*args: Any) -> Any:
        intervals.append(sys.getswitchinterval())
        return validate(*args)

    monkeypatch.setattr(runtime_module, "validate_document", recording)
    before = sys.getswitchinterval()
    cache = DocumentCache(SCHEMA, size=10)
    asyncio.run(cache.prepare(_aliases(200)))
    asyncio.run(cache.prepare(_aliases(2)))  # short: on the loop, the interval untouched
    assert intervals == [runtime_module.SWITCH_INTERVAL_SECONDS, before]
    assert sys.getswitchinterval() == before
