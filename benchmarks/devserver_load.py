# ruff: noqa: RUF001 - the report's typography: multiplication sign for ratios, en dash for ranges
"""4. devserver latency and throughput, against two floors measured in the same run.

Four servers, each a uvicorn process on 127.0.0.1, serve `recipe(id)` and the nested home feed:
- the devserver with the real handler over the local backends;
- the devserver with a handler that returns canned data (its own overhead, no backend work);
- plain Strawberry serving the same queries from the same canned data in memory, with its
  parser and validation caches (the strict floor the target is judged against: the devserver
  also prepares each query text once) and with its defaults (parse and validate every request).
An async httpx client holds the concurrency (1 or 16) for a bounded time and request count per
cell; rounds rotate through the servers, so drift on a shared machine hits all of them alike,
and ratios are taken within each round.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from benchmarks import seed
from benchmarks.report import (
    MET,
    MISSED,
    Section,
    Summary,
    Table,
    fmt,
    paired_ratios,
    percentile,
    ratio_cell,
    spread,
    summarize,
)
from benchmarks.sample_data import FEED_SIZE, FIRST_RECIPE
from benchmarks.serve import API_KEY, Server

if TYPE_CHECKING:
    from benchmarks.backends import AppEnv

TITLE = "4. devserver latency and throughput"
TARGET = (
    "the devserver's own overhead (devserver with a fixed-data handler) is at most 2× plain"
    " Strawberry serving the same schema from memory (with its parser and validation caches):"
    " median latency at concurrency 1 and throughput at concurrency 16, for both queries"
)
LIMIT = 2.0
# Issue 11's targets for the real handler, against the run of 2026-11-21 (full devserver over
# Strawberry with caches, home feed): throughput at c=16 4 times better, p50 at c=1 halved.
FEED_BEFORE = {"throughput_c16": 45.94, "latency_c1": 36.17}
FEED_GAIN = {"throughput_c16": 4.0, "latency_c1": 2.0}
CONCURRENCY = (1, 16)
MAX_REQUESTS = 3000  # per cell and round; the time bound usually ends a cell first
SERVERS = {
    "devserver": "devserver (real handler, local backends)",
    "devserver-threads": "devserver, real handler in-process on one thread (before issue 11)",
    "devserver-fixed": "devserver, fixed-data handler (floor 2)",
    "strawberry-cached": "plain Strawberry + parser/validation caches (floor 1)",
    "strawberry": "plain Strawberry, defaults",
}
FLOOR = "strawberry-cached"
REAL_HANDLER = ("devserver", "devserver-threads")
COMPARISONS = {
    ("devserver-fixed", "strawberry-cached"): "devserver's own overhead ÷ Strawberry with caches",
    ("devserver-fixed", "strawberry"): "devserver's own overhead ÷ Strawberry defaults",
    ("devserver", "strawberry-cached"): "full devserver (real handler) ÷ Strawberry with caches",
    ("devserver-threads", "strawberry-cached"): (
        "real handler in-process, one thread (before issue 11) ÷ Strawberry with caches"
    ),
}

RECIPE_QUERY = """query Recipe($id: ID!) {
  recipe(id: $id) {
    id title description imageUrl servings prepMinutes cookMinutes
    ingredients { name quantity unit }
    steps tags createdAt updatedAt version
  }
}"""
FEED_QUERY = """query HomeFeed($limit: Int) {
  recipes(limit: $limit) {
    items {
      id title tags imageUrl createdAt
      author { id displayName avatarUrl }
      rating { average count }
      commentCount
    }
    nextToken
  }
}"""
QUERIES = {"recipe(id)": RECIPE_QUERY, f"home feed ({FEED_SIZE} recipes, nested)": FEED_QUERY}


@dataclass
class Cell:
    latencies_ms: list[float] = field(default_factory=list)
    per_round_p50: list[float] = field(default_factory=list)
    per_round_p99: list[float] = field(default_factory=list)
    per_round_rps: list[float] = field(default_factory=list)
    errors: int = 0


async def _load(
    url: str, body: bytes, concurrency: int, seconds: float
) -> tuple[list[float], int, float]:
    """Latencies (ms), error count and elapsed seconds of one bounded run at `concurrency`."""
    headers = {"content-type": "application/json", "x-api-key": API_KEY}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(limits=limits, timeout=60, headers=headers) as client:

        async def one() -> None:
            nonlocal errors
            started = time.perf_counter()
            response = await client.post(url, content=body)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200 or b'"errors"' in response.content:
                errors += 1

        # Warm-up, uncounted: opens every connection and fills the server's caches.
        await asyncio.gather(*(one() for _ in range(concurrency * 3)))
        latencies.clear()
        errors = 0
        remaining = MAX_REQUESTS
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0 and time.perf_counter() < deadline:
                remaining -= 1
                await one()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


def _body(query: str, variables: dict[str, Any]) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


def _answer(url: str, body: bytes) -> dict[str, Any]:
    response = httpx.post(
        url, content=body, headers={"content-type": "application/json", "x-api-key": API_KEY}
    )
    result: dict[str, Any] = response.json()
    if response.status_code != 200 or result.get("errors"):
        raise RuntimeError(f"{url} answered {response.status_code}: {response.text[:500]}")
    return result


def _seed_real_data() -> dict[str, str]:
    """A page of recipes newer than anything else, by several cooks, rated and commented."""
    cooks = [seed.new_user() for _ in range(5)]
    made = [seed.create_recipe(cooks[n % 5], n) for n in range(FEED_SIZE)]
    for n, recipe in enumerate(made):
        seed.rate(cooks[(n + 1) % 5], recipe["id"], 1 + n % 5)
        if n % 3 == 0:
            seed.add_comment(cooks[(n + 2) % 5], recipe["id"], "Made this.")
    return dict.fromkeys(REAL_HANDLER, made[0]["id"])


def _run_rounds(
    app_env: AppEnv, recipe_ids: dict[str, str], rounds: int, seconds: float
) -> tuple[dict[tuple[str, str, int], Cell], dict[str, float]]:
    """Every (server, query, concurrency) cell, `rounds` times; and each server's RSS after."""
    env = {"BENCH_HANDLER_ENV": json.dumps(app_env.env)}
    cells: dict[tuple[str, str, int], Cell] = {}
    with contextlib.ExitStack() as stack:
        servers = {
            kind: stack.enter_context(Server(kind, env if kind in REAL_HANDLER else None))
            for kind in SERVERS
        }

        def body(kind: str, query: str) -> bytes:
            if query == RECIPE_QUERY:
                return _body(query, {"id": recipe_ids.get(kind, FIRST_RECIPE)})
            return _body(query, {"limit": FEED_SIZE})

        # The floors must give the same answers, or they are not floors of the same thing.
        for query in QUERIES.values():
            answers = {kind: _answer(s.url, body(kind, query)) for kind, s in servers.items()}
            if not answers["devserver-fixed"] == answers["strawberry"] == answers[FLOOR]:
                raise RuntimeError("the floors disagree on the data they serve")
        order = list(servers)
        for r in range(rounds):
            rotated = order[r % len(order) :] + order[: r % len(order)]
            for name, query in QUERIES.items():
                for concurrency in CONCURRENCY:
                    for kind in rotated:
                        latencies, errors, elapsed = asyncio.run(
                            _load(servers[kind].url, body(kind, query), concurrency, seconds)
                        )
                        cell = cells.setdefault((kind, name, concurrency), Cell())
                        cell.latencies_ms += latencies
                        cell.per_round_p50.append(percentile(latencies, 50))
                        cell.per_round_p99.append(percentile(latencies, 99))
                        cell.per_round_rps.append(len(latencies) / elapsed)
                        cell.errors += errors
        rss = {kind: s.rss_mib() for kind, s in servers.items()}
    return cells, rss


def _results_table(cells: dict[tuple[str, str, int], Cell]) -> Table:
    table = Table(
        [
            "Query",
            "Concurrency",
            "Server",
            "p50 (ms)",
            "p99 (ms)",
            "Requests/s",
            "Requests",
            "Errors",
        ]
    )
    for name in QUERIES:
        for concurrency in CONCURRENCY:
            for kind, label in SERVERS.items():
                cell = cells[(kind, name, concurrency)]
                table.rows.append(
                    [
                        name,
                        str(concurrency),
                        label,
                        spread(summarize(cell.per_round_p50)),
                        spread(summarize(cell.per_round_p99)),
                        spread(summarize(cell.per_round_rps), digits=0),
                        f"{len(cell.latencies_ms):,}",
                        str(cell.errors),
                    ]
                )
    return table


def _ratios(
    cells: dict[tuple[str, str, int], Cell],
) -> tuple[Table, dict[str, dict[str, Summary]]]:
    """Each comparison's latency and throughput ratios, taken round by round."""
    table = Table(
        [
            "Query",
            "Comparison",
            "p50 latency ratio, c=1",
            "p50 latency ratio, c=16",
            "Throughput ratio (inverse), c=1",
            "Throughput ratio (inverse), c=16",
        ]
    )
    found: dict[str, dict[str, Summary]] = {}
    for name in QUERIES:
        for (kind, base), label in COMPARISONS.items():
            row: dict[str, Summary] = {}
            for figure in ("latency", "throughput"):
                for concurrency in CONCURRENCY:
                    cell, floor = cells[(kind, name, concurrency)], cells[(base, name, concurrency)]
                    row[f"{figure}_c{concurrency}"] = summarize(
                        paired_ratios(cell.per_round_p50, floor.per_round_p50)
                        if figure == "latency"
                        else paired_ratios(floor.per_round_rps, cell.per_round_rps)
                    )
            found[f"{kind} / {base}: {name}"] = row
            table.rows.append([name, label, *(ratio_cell(value) for value in row.values())])
    return table, found


def measure(app_env: AppEnv, *, rounds: int, seconds: float) -> Section:
    recipe_ids = _seed_real_data()
    cells, rss = _run_rounds(app_env, recipe_ids, rounds, seconds)
    results = _results_table(cells)
    ratios, data_ratios = _ratios(cells)
    verdict_ratios = [
        figure.median
        for key, row in data_ratios.items()
        if key.startswith(f"devserver-fixed / {FLOOR}:")
        for name, figure in row.items()
        if name in {"latency_c1", "throughput_c16"}
    ]
    worst_default = max(
        figure.median
        for key, row in data_ratios.items()
        if key.startswith("devserver-fixed / strawberry:")
        for name, figure in row.items()
        if name in {"latency_c1", "throughput_c16"}
    )
    errors = sum(cell.errors for cell in cells.values())
    worst = max(verdict_ratios)
    met = worst <= LIMIT and errors == 0
    targets = _issue_targets(data_ratios, worst)
    return Section(
        key="devserver_load",
        title=TITLE,
        target=TARGET,
        verdict=MET if met else MISSED,
        headline=(
            f"the devserver's own overhead is at most {worst:.2f}× plain Strawberry with its"
            f" caches ({worst_default:.2f}× with Strawberry's defaults); {errors} errors"
        ),
        tables=[targets, ratios, results],
        notes=[
            (
                f"{rounds} rounds of ~{seconds:g} s per server, query and concurrency (at most"
                f" {MAX_REQUESTS:,} requests each), servers in rotating order. p50, p99 and"
                " requests/s are the median of the rounds' figures with their spread; ratios are"
                " taken round by round, so each compares runs made a few seconds apart. The p99 of"
                " every request pooled is in results.json."
            ),
            (
                "The load generator (httpx, one asyncio loop) runs on the same 2 cores as the server"
                " and, for the real handler, moto and PostgreSQL: absolute requests/s are a floor for"
                " this machine, not a capacity figure. The ratios hold better than the absolutes."
            ),
            (
                "The devserver runs each function in warm worker processes, up to its wiring"
                " `concurrency` (4 for Potluck), one event per worker, like Lambda containers; a"
                " request may hold at most 3 of them, and while other requests use the function"
                " too, half the cores' worth (1 here). Before issue 11 it ran one event at a time"
                " per function on a thread of its own process; `--in-process` (for a debugger)"
                " still does, and the 'one thread' server measures that, in the same run."
            ),
            (
                "Latency ratios are the server's p50 over the floor's; throughput ratios are the"
                " floor's requests/s over the server's, so above 1 means slower in both."
            ),
            (
                "The fixed-data devserver and both Strawberry floors were checked to return identical"
                " JSON for both queries before measuring; every response was checked for errors."
            ),
            _analysis(data_ratios, cells),
            "Server RSS after the load: "
            + ", ".join(f"{kind} {fmt(mib, 0)} MiB" for kind, mib in rss.items())
            + ".",
        ],
        data={
            "cells": {
                f"{kind} | {name} | c={c}": {
                    "p50_ms": percentile(cell.latencies_ms, 50),
                    "p99_ms": percentile(cell.latencies_ms, 99),
                    "requests": len(cell.latencies_ms),
                    "errors": cell.errors,
                    "per_round_p50_ms": cell.per_round_p50,
                    "per_round_p99_ms": cell.per_round_p99,
                    "per_round_rps": cell.per_round_rps,
                }
                for (kind, name, c), cell in cells.items()
            },
            "ratios": data_ratios,
            "server_rss_mib": rss,
            "rounds": rounds,
            "seconds_per_cell": seconds,
            "limit": LIMIT,
        },
    )


def _issue_targets(ratios: dict[str, dict[str, Summary]], own_overhead: float) -> Table:
    """Issue 11's targets: the real handler's feed against 2026-11-21, and the own overhead."""
    feed = next(name for name in QUERIES if name.startswith("home feed"))
    real = ratios[f"devserver / {FLOOR}: {feed}"]
    threads = ratios[f"devserver-threads / {FLOOR}: {feed}"]
    table = Table(
        [
            "Issue 11 target",
            "2026-11-21",
            "Before issue 11, this run (one thread)",
            "This run",
            "Target",
            "Met?",
        ]
    )
    for key, label in (
        ("throughput_c16", "real handler, home feed: throughput at c=16 (Strawberry's ÷ ours)"),
        ("latency_c1", "real handler, home feed: p50 at c=1 (ours ÷ Strawberry's)"),
    ):
        bound = FEED_BEFORE[key] / FEED_GAIN[key]
        now = real[key].median
        table.rows.append(
            [
                label,
                f"{FEED_BEFORE[key]:.2f}×",
                ratio_cell(threads[key]),
                ratio_cell(real[key]),
                f"≤ {bound:.2f}× ({FEED_GAIN[key]:g}× better)",
                "yes" if now <= bound else "no",
            ]
        )
    table.rows.append(
        [
            "devserver's own overhead, worst of p50 c=1 and throughput c=16",
            "2.28×",
            "",
            f"{own_overhead:.2f}×",
            f"≤ {LIMIT:g}×",
            "yes" if own_overhead <= LIMIT else "no",
        ]
    )
    return table


def _analysis(
    ratios: dict[str, dict[str, Summary]], cells: dict[tuple[str, str, int], Cell]
) -> str:
    feed = next(name for name in QUERIES if name.startswith("home feed"))
    strict = ratios[f"devserver-fixed / {FLOOR}: {feed}"]

    def p50(kind: str, concurrency: int) -> float:
        return statistics.median(cells[(kind, feed, concurrency)].per_round_p50)

    def rps(kind: str, concurrency: int) -> float:
        return statistics.median(cells[(kind, feed, concurrency)].per_round_rps)

    return (
        "What costs what in the nested feed. Own overhead (fixed-data handler): per request one"
        " root invoke and one batch of 20 events per nested field, each sent through JSON both"
        " ways, and graphql-core completing the page's 263 fields, 60 of them batched. CPU"
        " time per request at c=16, measured on 2026-12-06 for every process: the devserver's"
        " 3.3–3.5 ms against Strawberry's 1.8–1.9 ms, plus 1.0–1.1 ms in its worker processes"
        " (decoding three batches of about 22 KB of events, encoding answers), and 1.2–1.4 ms"
        " for the load generator either way, all on the same 2 cores. Batched values, the"
        " objects holding them and the page's list settle in callbacks"
        " (devserver.appsync.completion), not as a task each. The throughput ratio at c=16 is"
        f" {strict['throughput_c16'].median:.2f}× (2.28× with handler threads on 2026-11-21,"
        " a quieter machine; 2.01× on the morning of 2026-12-06, before requests stopped leaving"
        " reference cycles, pending objects and list items stopped being a task each, and"
        " uvicorn ran on uvloop, which every server here now does). Every invoke crosses two"
        " processes on a Unix"
        " socket: about 0.1 ms on an idle core, several ms when the 2 cores are shared, which is"
        f" the c=1 ratio ({strict['latency_c1'].median:.2f}×; fixed-data p50"
        f" {fmt(p50('devserver-fixed', 1))} ms against {fmt(p50(FLOOR, 1))} ms). Real handler:"
        " each invoke's DynamoDB calls go to moto (reads side by side, writes one at a time),"
        " and its SQL to PostgreSQL, all on the same 2 cores: at c=16 the workers run 4"
        f" invokes at once, for {fmt(rps('devserver', 16), 1)} requests/s against"
        f" {fmt(rps('devserver-threads', 16), 1)} for one handler thread in the same run; the rest"
        " of the gain over 2026-11-21 (11.1 requests/s) is the faster local DynamoDB (branch"
        " backends); with 16 clients, each request holds at most half the cores' worth of"
        " workers (one here). At c=1 the request has the function to itself, so its three"
        " batches run side by side in three workers, which helps where cores are free and costs"
        " scheduling waits where they are not: p50"
        f" {fmt(p50('devserver', 1))} ms against {fmt(p50('devserver-threads', 1))} ms for one"
        " thread. The @aws_* auth rules and AWS scalar checks, cached per caller and field and"
        " per value, barely show. recipe(id), one invoke, stays close to the floor."
    )
