"""A request stops at AppSync's resolver execution limit, and its queued work stops with it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from devserver.config import DevServerConfig

LIMITS = Path(__file__).parent / "fixtures" / "limits"
API_KEY = "da2-limitsfixturekey000000000000"
LIMIT_REACHED = "ResolverExecutionLimitReached"
DRAINS = frozenset({"Query.nap 0", "Query.hold 0"})


def _limits_config(root: Path, *, resolver_count_limit: int) -> DevServerConfig:
    wiring = (
        (LIMITS / "wiring.toml")
        .read_text()
        .replace(
            'default_auth = "API_KEY"',
            f'default_auth = "API_KEY"\nresolver_count_limit = {resolver_count_limit}',
        )
    )
    (root / "wiring.toml").write_text(wiring)
    return DevServerConfig(
        schema_path=LIMITS / "schema.graphql",
        wiring_path=root / "wiring.toml",
        python_path=(LIMITS,),
        auth_state_dir=root / ".auth",
        api_key=API_KEY,
        # The fixture's functions share one module state (`ran`) and run one event at a time:
        # the in-process mode. Worker processes keep the same "queued never starts" contract,
        # which tests/e2e/test_devserver_core_workers.py pins.
        in_process=True,
    )


@pytest.fixture(scope="module")
def limited(devserver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The limits API allowed 3 resolver executions per request."""
    config = _limits_config(tmp_path_factory.mktemp("limits"), resolver_count_limit=3)
    with devserver(config) as server:
        yield server


@pytest.fixture(scope="module")
def unlimited(devserver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The limits API with AppSync's default limit (0 in the wiring means 10,000)."""
    config = _limits_config(tmp_path_factory.mktemp("limits"), resolver_count_limit=0)
    with devserver(config) as server:
        yield server


def _started(server: Any) -> Counter[str]:
    """Invocations that started since the last look, once the queues are empty."""
    # Each function runs one event at a time in order, so these naps start only after every
    # event queued before them has started or been abandoned. Under a short budget a nap may
    # time out behind a handler that is still running: then look again.
    drain = "{ nap(seconds: 0) hold(seconds: 0) }"
    for _ in range(20):
        if server.gql(drain)["data"] == {"nap": "rested", "hold": "rested"}:
            break
    else:
        pytest.fail("the functions' queues never drained")
    started = Counter(server.gql("{ ran }")["data"]["ran"])
    return Counter({label: n for label, n in started.items() if label not in DRAINS})


def _by_path(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Errors are listed as they happen; which item fails first is not the point here.
    return sorted(errors, key=lambda error: str(error["path"]))


def _limit_error(path: list[Any], line: int, column: int) -> dict[str, Any]:
    return {
        "path": path,
        "data": None,
        "errorType": LIMIT_REACHED,
        "errorInfo": None,
        "locations": [{"line": line, "column": column, "sourceName": None}],
        "message": "Resolver invocation limit reached.",
    }


def test_each_batched_item_counts_and_the_request_stops_at_the_limit(limited) -> None:
    # GIVEN a limit of 3 resolver executions, and nothing run yet
    _started(limited)
    # WHEN a query needs 1 (feed) + 4 (one per batched owner, though 2 invokes would do)
    body = limited.gql("{ feed(count: 4) { id owner { id } } }")
    # THEN every owner fails with AppSync's error, in its own place, and the rest resolves
    assert body["data"] == {"feed": [{"id": str(i), "owner": None} for i in range(4)]}
    assert _by_path(body["errors"]) == [_limit_error(["feed", i, "owner"], 1, 23) for i in range(4)]
    # AND no batch was sent once the request had stopped
    assert _started(limited) == Counter({"Query.feed": 1})


def test_a_request_within_the_limit_runs_in_full(limited) -> None:
    # GIVEN a limit of 3 resolver executions
    # WHEN a query needs exactly 3 (feed and one owner per item, two items)
    body = limited.gql("{ feed(count: 2) { owner { id } } }")
    # THEN it resolves without errors
    assert body == {"data": {"feed": [{"owner": {"id": "owner-0"}}, {"owner": {"id": "owner-1"}}]}}


def test_invocations_still_queued_when_the_limit_is_reached_never_start(limited) -> None:
    # GIVEN the slow function busy with a long nap, and a second nap queued behind it
    _started(limited)
    query = "{ nap(seconds: 3) later: nap(seconds: 0.25) feed(count: 2) { score } }"
    # WHEN the feed's scores then take the request past its 3 resolver executions
    body = limited.gql(query)
    # THEN the naps fail with the limit error at once, without waiting for the running one
    assert body["data"] == {"nap": None, "later": None, "feed": [{"score": None}] * 2}
    assert [error["path"] for error in _by_path(body["errors"])] == [
        ["feed", 0, "score"],
        ["feed", 1, "score"],
        ["later"],
        ["nap"],
    ]
    assert {error["errorType"] for error in body["errors"]} == {LIMIT_REACHED}
    # AND the nap queued behind the long one never started. The long nap may or may not have
    # been picked up before the limit was reached (a busy machine decides), and once running it
    # could not be stopped; either way it ran at most once.
    started = _started(limited)
    assert started["Query.nap 0.25"] == 0
    assert started["Query.feed"] == 1
    assert started["Query.nap 3"] <= 1
    assert set(started) <= {"Query.feed", "Query.nap 3"}


def test_a_failed_request_leaves_no_batch_behind(unlimited) -> None:
    # GIVEN a feed whose owners' batches wait behind a 2 s hold on the same function
    _started(unlimited)
    query = "{ feed(count: 4) { owner { id } } hold(seconds: 2) boom(seconds: 0.5) }"
    # WHEN a non-null root field fails meanwhile, which nulls the whole answer
    body = unlimited.gql(query)
    assert body["data"] is None
    assert [error["errorType"] for error in body["errors"]] == ["Boom"]
    # THEN the batches queued for the failed request never start
    assert _started(unlimited) == Counter({"Query.feed": 1, "Query.hold 2": 1, "Query.boom 0.5": 1})


@pytest.fixture(scope="module")
def one_second(devserver, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The limits API with a 1 s request budget instead of AppSync's 30 s."""
    config = _limits_config(tmp_path_factory.mktemp("limits"), resolver_count_limit=0)
    with devserver(replace(config, request_timeout_seconds=1.0)) as server:
        yield server


def test_batches_still_queued_at_the_deadline_never_start(one_second) -> None:
    # GIVEN a 1 s budget, and a feed whose owners' batches wait behind a 2 s hold
    _started(one_second)
    # WHEN the budget runs out while they wait
    body = one_second.gql("{ feed(count: 4) { owner { id } } hold(seconds: 2) }")
    # THEN the waiting fields time out
    assert body["data"] == {"feed": [{"owner": None}] * 4, "hold": None}
    assert {error["errorType"] for error in body["errors"]} == {"ExecutionTimeout"}
    # AND the batches never start, as no work of a timed-out request does
    assert _started(one_second) == Counter({"Query.feed": 1, "Query.hold 2": 1})
