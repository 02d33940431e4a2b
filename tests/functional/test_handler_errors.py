"""The error boundary's metric: InternalErrors counts our bugs, never a client's mistake."""

from __future__ import annotations

import json

import pytest

from resolvers.errors import InternalError, ValidationError
from tests.support import events
from tests.support.invoke import Invoke


def _internal_error_counts(printed: str) -> list[float]:
    """The InternalErrors values of every EMF record the handler printed."""
    counts: list[float] = []
    for line in printed.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            record = json.loads(line)
            if "InternalErrors" in record:
                counts.extend(record["InternalErrors"])
    return counts


def test_client_errors_are_not_counted_as_internal_errors(
    invoke: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a request the client got wrong: a page size of 0
    capsys.readouterr()
    # WHEN it is handled
    with pytest.raises(ValidationError):
        invoke(events.event("Query", "recipes", {"limit": 0}))
    # THEN no InternalErrors metric is emitted
    assert _internal_error_counts(capsys.readouterr().out) == []


def test_each_unexpected_failure_counts_one_internal_error(
    invoke: Invoke, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an event no route handles (Powertools raises ValueError: our bug, not the client's)
    capsys.readouterr()
    # WHEN it is handled
    with pytest.raises(InternalError):
        invoke(events.event("Query", "notAField"))
    # THEN exactly one InternalErrors data point of 1 is emitted
    assert _internal_error_counts(capsys.readouterr().out) == [1.0]
