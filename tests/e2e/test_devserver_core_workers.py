"""Handlers run in warm worker processes, as Lambda runs them in containers.

One invocation at a time per worker, up to the function's concurrency; module state per
worker; the function's timeout and memory size enforced; a fair share of workers per request.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.running_server import RunningServer

WORKER = "{ worker { pid served } }"


def _wiring(tiny_dir: Path, tmp_path: Path, **plain: Any) -> Path:
    """The tiny wiring with other settings for the plain function (`slow`, `worker`, `hog`)."""
    text = (tiny_dir / "wiring.toml").read_text()
    head, _, rest = text.partition("[functions.plain]\n")
    settings = {"handler": '"tiny_api.plain.handler"', "memory_mb": 128, "timeout_seconds": 10}
    settings |= plain
    table = "".join(f"{key} = {value}\n" for key, value in settings.items())
    path = tmp_path / "wiring.toml"
    path.write_text(head + "[functions.plain]\n" + table + rest.split("\n\n", 1)[1])
    return path


@pytest.fixture
def serve(
    devserver, tiny_config_factory, tiny_dir: Path, tmp_path: Path
) -> Iterator[Callable[..., RunningServer]]:
    """`serve(concurrency=2, timeout_seconds=1)`: the tiny API with the plain function so set."""
    with contextlib.ExitStack() as servers:

        def start(config: dict[str, Any] | None = None, **plain: Any) -> RunningServer:
            wiring = _wiring(tiny_dir, tmp_path, **plain)
            settings = tiny_config_factory(wiring_path=wiring, **(config or {}))
            server: RunningServer = servers.enter_context(devserver(settings))
            return server

        yield start


def _gone(pid: int) -> bool:
    """True once the process has exited (a killed one may take a moment to finish exiting)."""
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        threading.Event().wait(0.05)
    return False


def _at_once(server: RunningServer, queries: list[str]) -> list[dict[str, Any]]:
    with ThreadPoolExecutor(len(queries)) as pool:
        return list(pool.map(server.gql, queries))


def test_workers_are_processes_with_module_state_of_their_own(serve) -> None:
    # GIVEN the plain function with two warm workers at most
    server = serve(concurrency=2)
    # WHEN four slow events arrive at once, then one more alone
    answers = _at_once(server, ["{ slow(seconds: 1) }"] * 4)
    alone = server.gql(WORKER)["data"]["worker"]
    # THEN they ran on exactly two worker processes, neither of them the server's
    pids = {int(answer["data"]["slow"].split()[1]) for answer in answers}
    assert len(pids) == 2
    assert alone["pid"] in pids
    assert os.getpid() not in pids
    # AND a worker's module state counts only the events it served itself (5 events, 2 workers)
    assert alone["served"] < 5


def test_a_request_fanning_out_leaves_a_worker_for_other_clients(serve) -> None:
    # GIVEN two workers, and one request with six slow aliased fields (one worker: 3 s)
    server = serve(concurrency=2)
    server.gql(WORKER)  # the zygote is warm
    aliases = " ".join(f"s{n}: slow(seconds: 0.5)" for n in range(6))
    finished: list[str] = []
    heavy = threading.Thread(
        target=lambda: (server.gql(f"{{ {aliases} }}"), finished.append("heavy"))
    )
    heavy.start()
    # WHEN another client asks for one quick field while the heavy request is queued
    threading.Event().wait(0.3)
    quick = server.gql(WORKER)
    finished.append("quick")
    heavy.join(timeout=60)
    # THEN the quick answer came first: the heavy request held only its share of the workers
    assert "errors" not in quick
    assert finished == ["quick", "heavy"]


def test_a_request_alone_on_the_function_fans_out_over_all_workers_but_one(serve) -> None:
    # GIVEN three workers, warm, and no other client
    server = serve(concurrency=3)
    server.gql(WORKER)
    threading.Event().wait(1.2)  # longer ago than a neighbour still counts as one
    # WHEN one request asks for four slow fields
    aliases = " ".join(f"s{n}: slow(seconds: 0.5)" for n in range(4))
    answer = server.gql(f"{{ {aliases} }}")
    # THEN they ran side by side on two workers, as the request had the function to itself
    assert "errors" not in answer
    pids = {int(value.split()[1]) for value in answer["data"].values()}
    assert len(pids) == 2


def test_a_worker_past_the_function_timeout_is_stopped_and_replaced(serve) -> None:
    # GIVEN the plain function with a 1 s timeout and one worker, whose pid we know
    server = serve(concurrency=1, timeout_seconds=1)
    first = server.gql(WORKER)["data"]["worker"]["pid"]
    # WHEN an invocation runs past the timeout
    body = server.gql("{ slow(seconds: 20) }")
    # THEN the field fails as Lambda reports a timeout, and the worker process is gone
    (error,) = body["errors"]
    assert body["data"] == {"slow": None}
    assert error["errorType"] == "Sandbox.Timedout"
    assert error["message"].endswith("Task timed out after 1.00 seconds")
    assert _gone(first)
    # AND a fresh worker serves the next event, with fresh module state
    replacement = server.gql(WORKER)["data"]["worker"]
    assert replacement["pid"] != first
    assert replacement["served"] == 1


def test_a_worker_past_the_memory_size_is_stopped_and_replaced(serve) -> None:
    # GIVEN the plain function limited to 128 MB
    server = serve(concurrency=1, memory_mb=128)
    small = server.gql("{ hog(megabytes: 8) }")
    first = server.gql(WORKER)["data"]["worker"]
    # WHEN an invocation allocates more than that
    body = server.gql("{ hog(megabytes: 512) }")
    # THEN it fails as Lambda's out-of-memory does, and a fresh worker serves the next event
    assert small["data"] == {"hog": "held 8 MiB"}
    assert body["errors"][0]["errorType"] == "Runtime.OutOfMemory"
    after = server.gql(WORKER)["data"]["worker"]
    assert after["pid"] != first["pid"]
    assert after["served"] == 1


def test_in_process_mode_runs_handlers_in_the_servers_own_process(serve) -> None:
    # GIVEN a devserver started for a debugger
    server = serve({"in_process": True})
    # WHEN the plain function reports where it runs
    worker = server.gql(WORKER)["data"]["worker"]
    # THEN that is this process, where breakpoints work
    assert worker["pid"] == os.getpid()


def test_an_invocation_still_queued_at_the_deadline_never_runs(serve) -> None:
    # GIVEN one worker, busy for longer than the request budget (2 s) with a slow event
    server = serve({"request_timeout_seconds": 2}, concurrency=1)
    before = server.gql(WORKER)["data"]["worker"]
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(server.gql, "{ slow(seconds: 4) }")
        threading.Event().wait(0.5)  # generous: the slow event reaches the worker first
        # WHEN a second request queues behind it, and both run out of time
        queued = server.gql(WORKER)
        answers = [slow.result(timeout=60), queued]
    # THEN both time out, and the queued event never ran: the worker served only the slow one
    assert [a["errors"][0]["errorType"] for a in answers] == ["ExecutionTimeout"] * 2
    after = None
    for _ in range(100):  # queries that queue while the slow event runs on never run either
        after = server.gql(WORKER)["data"]["worker"]
        if after is not None:
            break
    assert after is not None
    assert after["pid"] == before["pid"]
    assert after["served"] == before["served"] + 2  # the slow event, and this one


def test_client_errors_are_one_log_line_and_other_errors_keep_their_traceback(
    serve, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN a server logging at INFO, whose notes function lists NoteNotFound as expected
    caplog.set_level(logging.INFO, logger="devserver")
    server = serve()
    # WHEN a field raises NoteNotFound, and another raises an error nobody expected
    expected = server.gql("{ failing }")
    unexpected = server.gql("{ version wrongField: slow(seconds: -1) }")
    # THEN the client sees both errors
    assert expected["errors"][0]["errorType"] == "NoteNotFound"
    assert unexpected["errors"][0]["errorType"] == "ValueError"
    # AND the log has one line for the expected one, a traceback for the other
    log = capfd.readouterr().err.splitlines()
    not_found = [line for line in log if "NoteNotFound" in line]
    assert len(not_found) == 1
    assert "Traceback (most recent call last):" in log
    assert any(line.startswith("ValueError") for line in log)
