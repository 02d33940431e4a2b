# ruff: noqa: RUF001 - the report's typography: multiplication sign for ratios, en dash for ranges
"""5. Subscription fan-out: 1,000 AppSync real-time subscribers on one filter, one mutation.

The devserver runs the real handler over the local backends in its own process. One client
process opens 1,000 WebSockets with AppSync's real-time protocol (`graphql-ws` subprotocol,
`connection_init`, `start` with the API key), each subscribed to `onCommentAdded(recipeId: R)`,
then sends `addComment` on R over HTTP as a signed-in user. Each subscriber stamps its `data`
message on arrival, on the same clock that stamped the mutation's response. That is repeated
for a few mutations; memory per connection is the server's RSS growth over the 1,000 divided
by 1,000.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import TYPE_CHECKING, Any

import httpx
import websockets
from websockets.typing import Subprotocol

from benchmarks import seed
from benchmarks.report import MET, MISSED, Section, Table, fmt, percentile, spread, summarize
from benchmarks.serve import API_KEY, Server

if TYPE_CHECKING:
    from benchmarks.backends import AppEnv

TITLE = "5. Subscription fan-out"
TARGET = (
    "with 1,000 AppSync-protocol subscribers on one filter, the last delivery arrives under 1 s"
    " (p99) after the mutation's response, on this machine"
)
LIMIT_S = 1.0
SUBSCRIBE = "subscription($r: ID) { onCommentAdded(recipeId: $r) { id recipeId authorId body } }"
ADD_COMMENT = "mutation($r: ID!, $b: String!) { addComment(recipeId: $r, body: $b) { id recipeId authorId body } }"
CONNECT_AT_ONCE = 50


async def _next_message(ws: Any, seconds: float = 30) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), seconds))
        if message.get("type") != "ka":
            return message


async def _subscriber(url: str, header: dict[str, str], recipe_id: str) -> Any:
    ws = await websockets.connect(
        url,
        subprotocols=[Subprotocol("graphql-ws")],
        open_timeout=60,
        ping_interval=None,
        max_size=None,
    )
    await ws.send(json.dumps({"type": "connection_init"}))
    ack = await _next_message(ws)
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"no connection_ack: {ack}")
    data = json.dumps({"query": SUBSCRIBE, "variables": {"r": recipe_id}})
    start = {
        "id": "1",
        "type": "start",
        "payload": {"data": data, "extensions": {"authorization": header}},
    }
    await ws.send(json.dumps(start))
    started = await _next_message(ws)
    if started != {"type": "start_ack", "id": "1"}:
        raise RuntimeError(f"no start_ack: {started}")
    return ws


async def _scenario(
    server: Server, recipe_id: str, subscribers: int, mutations: int
) -> dict[str, Any]:
    host = f"127.0.0.1:{server.port}"
    header = {"host": host, "x-api-key": API_KEY}
    encoded = base64.b64encode(json.dumps(header).encode()).decode()
    url = f"{server.ws_url}?header={encoded}&payload=e30="
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)

    async def connect() -> Any:
        async with gate:
            return await _subscriber(url, header, recipe_id)

    await asyncio.sleep(0.5)
    rss_before = server.rss_mib()
    started = time.perf_counter()
    sockets = await asyncio.gather(*(connect() for _ in range(subscribers)))
    connect_s = time.perf_counter() - started
    await asyncio.sleep(0.5)
    rss_after = server.rss_mib()

    mutations += 1  # the first warms the handler's path and is not counted
    arrivals: list[list[tuple[float, str]]] = [[] for _ in range(mutations)]
    current = 0
    all_arrived = asyncio.Event()

    async def read(ws: Any) -> None:
        async for raw in ws:
            stamp = time.perf_counter()  # first, before any parsing
            bucket = arrivals[current]
            bucket.append((stamp, raw))
            if len(bucket) >= subscribers:
                all_arrived.set()

    readers = [asyncio.create_task(read(ws)) for ws in sockets]
    rounds: list[dict[str, Any]] = []
    headers = {"content-type": "application/json", "authorization": server.token}
    async with httpx.AsyncClient(timeout=60) as client:
        for m in range(mutations):
            current = m
            all_arrived.clear()
            body = {"query": ADD_COMMENT, "variables": {"r": recipe_id, "b": f"Comment {m}"}}
            sent = time.perf_counter()
            response = await client.post(server.url, json=body, headers=headers)
            answered = time.perf_counter()
            result = response.json()
            if response.status_code != 200 or result.get("errors"):
                raise RuntimeError(f"addComment failed: {response.text[:500]}")
            await asyncio.wait_for(all_arrived.wait(), 60)
            comment = result["data"]["addComment"]
            got = arrivals[m]
            payloads = [json.loads(raw) for _, raw in got]
            correct = sum(
                1
                for p in payloads
                if p.get("type") == "data" and p["payload"]["data"]["onCommentAdded"] == comment
            )
            after_response = [(stamp - answered) * 1000 for stamp, _ in got]
            after_request = [(stamp - sent) * 1000 for stamp, _ in got]
            rounds.append(
                {
                    "mutation_ms": (answered - sent) * 1000,
                    "received": len(got),
                    "correct": correct,
                    "after_response_ms": after_response,
                    "after_request_ms": after_request,
                }
            )
            await asyncio.sleep(0.2)  # nothing else may be in flight when the next one starts
    extra = sum(len(bucket) for bucket in arrivals) - subscribers * mutations
    for task in readers:
        task.cancel()
    await asyncio.gather(*readers, return_exceptions=True)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return {
        "warm_up": _compact(rounds[0]),
        "rounds": [_compact(r) for r in rounds[1:]],
        "unexpected_messages": extra,
        "connect_s": connect_s,
        "rss_before_mib": rss_before,
        "rss_after_mib": rss_after,
    }


def _compact(round_: dict[str, Any]) -> dict[str, Any]:
    """A mutation's deliveries as percentiles: 1,000 arrival times each would swamp the JSON."""

    def percentiles(samples: list[float]) -> dict[str, float]:
        return {f"p{q}": percentile(samples, q) for q in (0, 50, 90, 99, 100)}

    return {
        **round_,
        "after_response_ms": percentiles(round_["after_response_ms"]),
        "after_request_ms": percentiles(round_["after_request_ms"]),
    }


def measure(app_env: AppEnv, *, subscribers: int, mutations: int) -> Section:
    recipe = seed.create_recipe(seed.new_user())
    env = {"BENCH_HANDLER_ENV": json.dumps(app_env.env)}
    with Server("devserver", env) as server:
        outcome = asyncio.run(_scenario(server, recipe["id"], subscribers, mutations))
    rounds = outcome["rounds"]
    p50 = summarize([r["after_response_ms"]["p50"] for r in rounds])
    p99 = summarize([r["after_response_ms"]["p99"] for r in rounds])
    last = summarize([r["after_response_ms"]["p100"] for r in rounds])
    first = summarize([r["after_response_ms"]["p0"] for r in rounds])
    from_request = summarize([r["after_request_ms"]["p99"] for r in rounds])
    mutation = summarize([r["mutation_ms"] for r in rounds])
    per_connection_kib = (outcome["rss_after_mib"] - outcome["rss_before_mib"]) * 1024 / subscribers
    delivered = all(
        r["received"] == r["correct"] == subscribers for r in [outcome["warm_up"], *rounds]
    )
    delivered &= outcome["unexpected_messages"] == 0
    table = Table(
        ["Figure", f"Median over {len(rounds)} mutations (min–max)"],
        [
            ["first delivery after the mutation's response (ms)", spread(first)],
            ["p50 delivery after the response (ms)", spread(p50)],
            ["p99 delivery after the response (ms)", spread(p99)],
            ["last delivery after the response (ms)", spread(last)],
            ["p99 delivery after the mutation was sent (ms)", spread(from_request)],
            ["the mutation itself, request to response (ms)", spread(mutation)],
        ],
    )
    memory = Table(
        ["Memory and set-up", "Value"],
        [
            ["server RSS before the subscribers", f"{fmt(outcome['rss_before_mib'], 1)} MiB"],
            [
                f"server RSS with {subscribers:,} subscribers",
                f"{fmt(outcome['rss_after_mib'], 1)} MiB",
            ],
            ["memory per connection (one subscription each)", f"{fmt(per_connection_kib, 1)} KiB"],
            [
                f"opening and subscribing {subscribers:,} connections",
                f"{fmt(outcome['connect_s'], 1)} s",
            ],
        ],
    )
    met = p99.median < LIMIT_S * 1000 and delivered
    return Section(
        key="fanout",
        title=TITLE,
        target=TARGET,
        verdict=MET if met else MISSED,
        headline=(
            f"p99 {fmt(p99.median, 0)} ms, last {fmt(last.median, 0)} ms after the response;"
            f" {fmt(per_connection_kib, 0)} KiB per connection;"
            f" every subscriber got exactly one correct event per mutation: {'yes' if delivered else 'NO'}"
        ),
        tables=[table, memory],
        notes=[
            (
                f"{subscribers:,} subscribers, one socket and one subscription each, all on the same"
                f" filter (recipeId); {mutations} addComment mutations in turn after one uncounted"
                " warm-up, each waiting for every delivery before the next. p50 and p99 are over the subscribers of each mutation;"
                " the table gives their median and spread over the mutations."
            ),
            (
                "Every subscriber and the mutation's client share one asyncio process, which stamps"
                " each message on arrival; the server process runs the handler, the fan-out and the"
                " 1,000 writers, and moto and PostgreSQL share the same 2 cores. The devserver publishes"
                " as soon as the mutation field resolves, so a delivery could even precede the"
                " response; it would read as a negative time."
            ),
        ],
        data={
            **outcome,
            "subscribers": subscribers,
            "mutations": mutations,
            "limit_ms": LIMIT_S * 1000,
        },
    )
