"""How many of a function's workers one request may hold: never all, never more than half the cores."""

from __future__ import annotations

import os

import pytest

from devserver.lambda_runtime.pool import request_share


@pytest.mark.parametrize(
    ("cores", "concurrency", "share"),
    [
        (2, 4, 1),  # a 2-core laptop: one worker, the other core stays for everyone else
        (8, 4, 3),  # cores to spare: all workers but one
        (16, 10, 8),
        (8, 1, 1),  # a single worker is everyone's
        (1, 4, 1),
    ],
)
def test_a_request_holds_at_most_half_the_cores_and_never_every_worker(
    monkeypatch: pytest.MonkeyPatch, cores: int, concurrency: int, share: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)), raising=False)
    assert request_share(concurrency) == share
