"""Periodic DynamoDB snapshots: saved only when something may have changed and did."""

from __future__ import annotations

import time

from devserver.local.snapshots import Snapshotter


class FakeTables:
    def __init__(self) -> None:
        self.content = "v1"
        self.saved: list[str] = []
        self.looks = 0

    def fingerprint(self) -> str:
        self.looks += 1
        return self.content

    def save(self) -> None:
        self.saved.append(self.content)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def snapshotter(tables: FakeTables, clock: Clock) -> Snapshotter:
    snapshots = Snapshotter(tables.save, tables.fingerprint, idle_check=30, clock=clock)
    snapshots.prime()
    return snapshots


def test_a_write_after_a_request_is_saved_on_the_next_tick() -> None:
    tables, clock = FakeTables(), Clock()
    snapshots = snapshotter(tables, clock)
    # GIVEN a request that changed the tables
    tables.content = "v2"
    snapshots.mark_dirty()
    # WHEN the ticks run
    # THEN the first saves and the next has nothing to do
    assert snapshots.tick() is True
    assert snapshots.tick() is False
    assert tables.saved == ["v2"]


def test_a_request_that_changed_nothing_saves_nothing() -> None:
    tables, clock = FakeTables(), Clock()
    snapshots = snapshotter(tables, clock)
    snapshots.mark_dirty()  # e.g. a query
    assert snapshots.tick() is False
    assert tables.saved == []


def test_idle_ticks_do_not_even_look_until_the_idle_check_is_due() -> None:
    tables, clock = FakeTables(), Clock()
    snapshots = snapshotter(tables, clock)
    looks = tables.looks
    # GIVEN a write that bypassed the API (no request marked it)
    tables.content = "v2"
    clock.now = 29.0
    assert snapshots.tick() is False
    assert tables.looks == looks  # no scan while idle
    # WHEN the idle re-check is due
    clock.now = 31.0
    # THEN it is found and saved
    assert snapshots.tick() is True
    assert tables.saved == ["v2"]


def test_a_failed_save_is_retried() -> None:
    tables, clock = FakeTables(), Clock()
    attempts: list[str] = []

    def flaky_save() -> None:
        attempts.append(tables.content)
        if len(attempts) == 1:
            raise OSError("disk full")

    snapshots = Snapshotter(flaky_save, tables.fingerprint, interval=0.01, clock=clock)
    snapshots.prime()
    tables.content = "v2"
    snapshots.mark_dirty()
    snapshots.start()
    try:
        for _ in range(200):
            if len(attempts) >= 2:
                break
            time.sleep(0.01)
    finally:
        snapshots.stop()
    assert attempts[:2] == ["v2", "v2"]
