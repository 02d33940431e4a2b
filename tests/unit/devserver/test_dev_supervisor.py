"""The backend supervisor: a dead backend is reported once, restarted, and shown in health."""

from __future__ import annotations

import logging

import pytest

from devserver.backends.supervisor import Supervisor, Watched


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakeBackend:
    def __init__(self) -> None:
        self.running = True
        self.pid = 100
        self.fail_restarts = 0
        self.events: list[str] = []

    def restart(self) -> None:
        self.events.append("restart")
        if self.fail_restarts:
            self.fail_restarts -= 1
            raise RuntimeError("port in use")
        self.running, self.pid = True, self.pid + 1

    def watched(self) -> Watched:
        return Watched(
            name="db",
            label="The DB",
            alive=lambda: self.running,
            restart=self.restart,
            pid=lambda: self.pid,
            on_restart="on its data",
            if_it_persists="restart the devserver",
            on_down=lambda: self.events.append("down"),
            on_up=lambda: self.events.append("up"),
        )


def test_a_dead_backend_is_reported_once_and_restarted(caplog: pytest.LogCaptureFixture) -> None:
    backend, clock = FakeBackend(), Clock()
    supervisor = Supervisor([backend.watched()], clock=clock)
    assert supervisor.health()["db"] == {"state": "ok", "pid": 100, "restarts": 0, "detail": None}
    # GIVEN the backend dies
    backend.running = False
    # WHEN the supervisor checks
    with caplog.at_level(logging.INFO, logger="devserver.backends"):
        supervisor.check()
    # THEN dependants heard first, it was restarted, and health shows the new process
    assert backend.events == ["down", "restart", "up"]
    assert supervisor.health()["db"] == {"state": "ok", "pid": 101, "restarts": 1, "detail": None}
    # AND the log says what died and what a restart brings back, once
    died = [r.getMessage() for r in caplog.records if "died" in r.getMessage()]
    assert died == [
        (
            "The DB (pid 100) died; restarting it on its data."
            " Calls that need it wait or fail until then."
        )
    ]


def test_a_failing_restart_is_shown_and_retried_with_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend, clock = FakeBackend(), Clock()
    supervisor = Supervisor([backend.watched()], clock=clock)
    backend.running, backend.fail_restarts = False, 2
    with caplog.at_level(logging.INFO, logger="devserver.backends"):
        # WHEN the first restart fails
        supervisor.check()
        # THEN health says the backend is down and why, and the log says what to do
        health = supervisor.health()["db"]
        assert (health["state"], health["detail"]) == ("down", "restart failed: port in use")
        errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert errors == [
            (
                "The DB could not be restarted (port in use); retrying."
                " If this persists, restart the devserver"
            )
        ]
        # AND it is not retried before the backoff has passed
        supervisor.check()
        assert backend.events.count("restart") == 1
        clock.now = 1.0
        supervisor.check()  # the second attempt fails too
        clock.now = 2.5
        supervisor.check()
        assert backend.events.count("restart") == 2
        clock.now = 3.0
        supervisor.check()
    # THEN the third attempt brings it back
    assert backend.events.count("restart") == 3
    assert supervisor.health()["db"]["state"] == "ok"
    # AND the second failure did not log again
    assert [r.levelno for r in caplog.records].count(logging.ERROR) == 1


def test_a_healthy_backend_is_left_alone() -> None:
    backend, clock = FakeBackend(), Clock()
    supervisor = Supervisor([backend.watched()], clock=clock)
    for _ in range(3):
        supervisor.check()
    assert backend.events == []
