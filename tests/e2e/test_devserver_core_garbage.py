"""A finished request leaves no reference cycles: its objects go as soon as it ends.

Cyclic garbage waits for the collector, and a full pass over a large heap stalls every request
in flight (benchmarks/RESULTS.md, section 8). So each request's executor, context and batches
must be freed by reference counting alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from devserver.app import create_app
from devserver.config import DevServerConfig
from tests.e2e.conftest import TINY_API_KEY, tiny_config
from tests.e2e.running_server import preserved_environ
from tests.e2e.test_devserver_core_limits import API_KEY as LIMITS_API_KEY
from tests.e2e.test_devserver_core_limits import LIMIT_REACHED, _limits_config

# A root list, and a batched field on every item: the executor, the request's context and its
# batch collector all take part.
QUERY = "{ notes(count: 5) { id text author { name } } }"
OURS = ("devserver.", "graphql.")


@pytest.fixture
def _collector_paused() -> Iterator[None]:
    gc.collect()
    gc.disable()
    yield
    gc.set_debug(0)
    gc.garbage.clear()
    gc.enable()


@contextlib.asynccontextmanager
async def _client(config: DevServerConfig, api_key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app for `config`, served in this process with its lifespan running."""
    with preserved_environ():
        app = create_app(config)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            headers = {"x-api-key": api_key}
            async with httpx.AsyncClient(
                transport=transport, base_url="http://local", headers=headers, timeout=30
            ) as client:
                yield client


def _tiny_client(tmp_path: Path) -> contextlib.AbstractAsyncContextManager[httpx.AsyncClient]:
    return _client(tiny_config(tmp_path, hot_reload=False), TINY_API_KEY)


def _cyclic_garbage_types() -> Counter[str]:
    """What the next collection finds unreachable, by type, for the devserver's and graphql's."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    gc.set_debug(0)
    found = Counter(
        f"{type(o).__module__}.{type(o).__qualname__}"
        for o in gc.garbage
        if type(o).__module__.startswith(OURS)
    )
    gc.garbage.clear()
    return found


@pytest.mark.usefixtures("_collector_paused")
def test_a_finished_request_leaves_no_reference_cycles(tmp_path: Path) -> None:
    async def scenario() -> tuple[dict[str, object], Counter[str]]:
        async with _tiny_client(tmp_path) as client:
            # GIVEN a warm server, and nothing unreachable left over
            await client.post("/graphql", json={"query": QUERY})
            gc.collect()
            # WHEN one more request runs to the end
            response = await client.post("/graphql", json={"query": QUERY})
            await asyncio.sleep(0.05)  # its last callbacks have run
            # THEN nothing of it waits for the collector
            return response.json(), _cyclic_garbage_types()

    answer, garbage = asyncio.run(scenario())
    assert "errors" not in answer
    assert len(answer["data"]["notes"]) == 5  # type: ignore[index]
    assert all(note["author"] for note in answer["data"]["notes"])  # type: ignore[index]
    assert garbage == Counter()


@pytest.mark.usefixtures("_collector_paused")
@pytest.mark.parametrize(
    "query",
    [
        # the fourth root field is past the limit and non-null: the whole answer is null
        (
            "{ a: feed(count: 2) { id } b: feed(count: 2) { id } c: feed(count: 2) { id }"
            " d: feed(count: 2) { id } }"
        ),
        # invocations waiting when the limit is reached fail, and one is cancelled queued
        "{ nap(seconds: 0.3) a: feed(count: 3) { id score } }",
        # non-null root fields fail in their own tasks while batches are in flight
        (
            "{ hold(seconds: 0.3) a: boom(seconds: 0.1) b: boom(seconds: 0.1)"
            " feed(count: 3) { owner { id } } }"
        ),
    ],
)
def test_a_request_stopped_at_the_resolver_limit_leaves_no_reference_cycles(
    tmp_path: Path, query: str
) -> None:
    # A kept error's traceback holds the frames it passed through, and so the executor that
    # keeps the error; a cancelled task's CancelledError holds the frame that holds the task.
    # The 200-alias benchmark query left ~400,000 objects for one half-second full pass.
    config = _limits_config(tmp_path, resolver_count_limit=3)

    async def scenario() -> tuple[dict[str, object], Counter[str]]:
        async with _client(config, LIMITS_API_KEY) as client:
            await client.post("/graphql", json={"query": query})
            await asyncio.sleep(0.3)
            gc.collect()
            answer = (await client.post("/graphql", json={"query": query})).json()
            await asyncio.sleep(0.5)  # what was in flight has settled
            return answer, _cyclic_garbage_types()

    answer, garbage = asyncio.run(scenario())
    assert LIMIT_REACHED in {error["errorType"] for error in answer["errors"]}  # type: ignore[union-attr]
    assert garbage == Counter()


def test_an_answer_nulled_while_fields_are_in_flight_logs_no_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # `mustNote` nulls the whole answer at once, while `notes` and its authors are in flight:
    # they settle after the answer, on an executor whose request has ended.
    query = "{ notes(count: 4) { id author { name } } mustNote { id title } }"

    async def scenario() -> list[dict[str, object]]:
        async with _tiny_client(tmp_path) as client:
            answers = [
                (await client.post("/graphql", json={"query": query})).json() for _ in range(5)
            ]
            await asyncio.sleep(0.5)  # what was in flight has settled
            return answers

    with caplog.at_level(logging.WARNING, logger="devserver"):
        answers = asyncio.run(scenario())
    assert all(answer["data"] is None for answer in answers)
    assert all(answer["errors"] for answer in answers)  # type: ignore[index]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
