"""AppSync's request time limit (30 s; 1 s here): unfinished fields time out, the rest resolve."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def one_second_server(devserver, tiny_config_factory) -> Iterator[Any]:
    with devserver(
        tiny_config_factory(request_timeout_seconds=1.0, lambda_concurrency=4)
    ) as server:
        yield server


def test_fields_still_running_at_the_limit_time_out(one_second_server) -> None:
    # GIVEN a 1 s request budget and a resolver that needs 3 s, next to a quick one
    started = time.monotonic()
    # WHEN both are queried
    body = one_second_server.gql("{ version slow(seconds: 3) }")
    elapsed = time.monotonic() - started
    # THEN the answer comes at the limit, with partial data and an ExecutionTimeout error
    assert elapsed < 2.5
    assert body["data"] == {"version": "v1", "slow": None}
    assert body["errors"] == [
        {
            "path": ["slow"],
            "data": None,
            "errorType": "ExecutionTimeout",
            "errorInfo": None,
            "locations": [{"line": 1, "column": 11, "sourceName": None}],
            "message": "Execution timed out.",
        }
    ]


def test_the_handler_sees_the_remaining_request_budget(one_second_server) -> None:
    # GIVEN a 1 s request budget and a resolver that sleeps 0.2 s
    # WHEN it reports its remaining time after sleeping
    body = one_second_server.gql("{ slow(seconds: 0.2) }")
    # THEN the Lambda context counted down the request's budget, not the function's 10 s
    remaining = int(body["data"]["slow"].split()[-3])  # "... with N ms left"
    assert 0 < remaining <= 800
