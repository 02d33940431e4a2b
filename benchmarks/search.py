"""9. Recipe search: write-to-searchable lag, search latency against index size, round trips.

- Lag: a devserver with its event sources on (in this process, polling the recipes table's
  stream as `scripts/dev` does) while recipes are written to DynamoDB one at a time; each
  write is timed until `searchRecipes`' SQL finds its unique word. It measures the design
  (polling plus delivery plus one upsert), not the cloud, where Lambda polls a shard about
  four times a second and adds its own batching delay.
- Latency: the index query alone, through the Data API, at 100, 1,000 and 10,000 indexed
  recipes, for a word every recipe has and a word one recipe has.
- Round trips: `searchRecipes` at page sizes 5, 50 and 100 (1 SQL statement and 1
  BatchGetItem each).
"""

from __future__ import annotations

import contextlib
import random
import time
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from benchmarks.child import REPO_ROOT
from benchmarks.report import MET, MISSED, Section, Table, percentile, spread, summarize
from benchmarks.round_trips import Counting
from devserver.config import DevServerConfig
from devserver.events.settings import EventsConfig
from devserver.mail import LocalSes
from resolvers.identity import AuthMode, Caller
from resolvers.recipes.models import parse_draft
from resolvers.recipes.service import create_recipe
from resolvers.search import service
from resolvers.search.documents import SearchDocument
from resolvers.search.repository import AuroraSearchIndex
from tests.e2e.running_server import start_devserver
from tests.support.inputs import recipe_input

if TYPE_CHECKING:
    from pathlib import Path

    from benchmarks.backends import AppEnv

TITLE = "9. Recipe search"
TARGET = "search round trips do not grow with page size (5, 50, 100); lag and latency are reported"
INDEX_SIZES = (100, 1_000, 10_000)
PAGE_SIZES = (5, 50, 100)
VOCABULARY = [f"word{n}" for n in range(2_000)]
CALLER = Caller(mode=AuthMode.COGNITO, user_id="bench-search")


def unique_word() -> str:
    return "qz" + uuid.uuid4().hex[:10].translate(str.maketrans("0123456789", "ghijklmnop"))


def measure(
    app_env: AppEnv, container: Any, state_dir: Path, *, lag_samples: int, queries: int
) -> Section:
    index = AuroraSearchIndex(container.data_api)
    lags = _lags(app_env, container, index, state_dir, lag_samples)
    latency_table, latencies = _latencies(index, queries)
    trips_table, trips = _round_trips(container, index)
    constant = len({tuple(sorted(t.items())) for t in trips.values()}) == 1
    lag_table = Table(
        ["writes", "p50", "p99", "min-max"],
        [
            [
                str(len(lags)),
                f"{percentile(lags, 50):.0f} ms",
                f"{percentile(lags, 99):.0f} ms",
                f"{min(lags):.0f}-{max(lags):.0f} ms",
            ]
        ],
    )
    return Section(
        key="search",
        title=TITLE,
        target=TARGET,
        verdict=MET if constant else MISSED,
        headline=(
            f"lag p50 {percentile(lags, 50):.0f} ms, p99 {percentile(lags, 99):.0f} ms; "
            f"{'constant' if constant else 'NOT constant'} round trips per search"
        ),
        tables=[lag_table, latency_table, trips_table],
        notes=[
            (
                "Lag: DynamoDB write to found by the index query, devserver polling every 0.25 s"
                " while records arrive and backing off to 1 s when idle."
            ),
            (
                "Latency: the index query alone (GIN lookup, ts_rank, LIMIT 21) through the local"
                " Data API endpoint; a common word ranks every match, so it grows with matches."
            ),
        ],
        data={"lag_ms": lags, "latency_ms": latencies, "round_trips": trips},
    )


def _lags(
    app_env: AppEnv, container: Any, index: AuroraSearchIndex, state_dir: Path, samples: int
) -> list[float]:
    prefix = container.settings.recipes_table.removesuffix("recipes")
    # The welcome consumer shares the stream poller: it needs the local SES, or its failing
    # batches (and their retries) would sit between the writes and the index.
    mail = LocalSes(state_dir / "outbox")
    mail.start()
    mail.create_identity({"EmailIdentity": "example.com"})
    config = DevServerConfig(
        schema_path=REPO_ROOT / "schema.graphql",
        wiring_path=REPO_ROOT / "resolvers" / "wiring.toml",
        python_path=(REPO_ROOT,),
        auth_state_dir=state_dir / "auth",
        handler_env={**app_env.env, **mail.env, "WELCOME_SENDER": "bench@example.com"},
        events=EventsConfig(
            state_dir=state_dir / "events",
            dynamodb_endpoint_url=app_env.env["AWS_ENDPOINT_URL_DYNAMODB"],
            resource_prefix=prefix,
        ),
    )
    lags: list[float] = []
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(mail.stop)
        cleanup.enter_context(start_devserver(config))
        for _ in range(samples):
            word = unique_word()
            draft = parse_draft(recipe_input(title=f"{word} tart"))
            started = time.perf_counter()
            create_recipe(container.recipes, CALLER, draft)
            while not index.search(f"{word}:*", 1, 0):
                time.sleep(0.005)
            lags.append((time.perf_counter() - started) * 1000)
            # Writes arrive at random moments, not just after the last delivery.
            time.sleep(random.uniform(0, 0.5))  # noqa: S311 - spacing, not security
    return lags


def _latencies(index: AuroraSearchIndex, queries: int) -> tuple[Table, dict[str, Any]]:
    table = Table(["indexed recipes", "common word (every recipe)", "rare word (one recipe)"])
    data: dict[str, Any] = {}
    common = unique_word()
    indexed = 0
    for size in INDEX_SIZES:
        rare = unique_word()
        docs = [
            SearchDocument(
                recipe_id=f"bench-{uuid.uuid4()}",
                version=1,
                title=" ".join([common, *random.sample(VOCABULARY, 3)]),
                description=" ".join(random.sample(VOCABULARY, 12)),
                ingredients=" ".join(random.sample(VOCABULARY, 6)),
                tags=" ".join(random.sample(VOCABULARY, 2)),
            )
            for _ in range(size - indexed)
        ]
        docs[-1] = replace(docs[-1], title=f"{docs[-1].title} {rare}")
        for start in range(0, len(docs), 500):
            index.upsert_many(docs[start : start + 500])
        indexed = size
        row = [f"{size:,}"]
        for word in (common, rare):
            timings = []
            for _ in range(queries):
                began = time.perf_counter()
                index.search(f"{word}:*", 21, 0)
                timings.append((time.perf_counter() - began) * 1000)
            row.append(spread(summarize(timings), " ms", 1))
            data[f"{size}:{'common' if word == common else 'rare'}"] = timings
        table.rows.append(row)
    return table, data


def _round_trips(
    container: Any, index: AuroraSearchIndex
) -> tuple[Table, dict[int, dict[str, int]]]:
    word = unique_word()
    for n in range(max(PAGE_SIZES)):
        recipe = create_recipe(
            container.recipes, CALLER, parse_draft(recipe_input(title=f"{word} {n}"))
        )
        index.upsert(
            SearchDocument.from_item({"id": recipe.id, "version": 1, "title": recipe.title})
        )
    counting = Counting(container)
    table = Table(["page size", "items", "requests"])
    trips: dict[int, dict[str, int]] = {}
    for size in PAGE_SIZES:
        with counting.counting() as counted:
            page = service.search_recipes(
                index, container.recipes, container.page_tokens, word, size, None
            )
        trips[size] = dict(counted)
        table.rows.append(
            [
                str(size),
                str(len(page.recipes)),
                ", ".join(f"{k} {v}" for k, v in sorted(counted.items())),
            ]
        )
    return table, trips
