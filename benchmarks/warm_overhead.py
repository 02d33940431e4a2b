"""2. Warm overhead per field: `handler(event, context)` against the service call it wraps.

Both sides use the same in-memory repositories, so no I/O hides the difference: what remains is
the handler path (Powertools' routing and event wrapper, the exception boundary, logger context
and, when tracing is active, X-Ray subsegments). Each configuration runs in a child process
with a Lambda-like environment, since the Tracer decides at import whether it is active.
Run as `python -m benchmarks.warm_overhead CONFIG REPEATS` it is that child.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.child import REPO_ROOT
from benchmarks.cold_start import LAMBDA_ENV
from benchmarks.report import (
    INFO,
    Section,
    Table,
    fmt,
    paired_ratios,
    ratio_cell,
    spread,
    summarize,
)
from benchmarks.seed import recipe_input
from resolvers.app import handler
from resolvers.bootstrap import Container, set_container
from resolvers.identity import caller_from_identity
from resolvers.profiles import service as profiles
from resolvers.profiles.models import parse_profile_changes
from resolvers.recipes import service as recipes
from resolvers.recipes.models import Recipe, parse_draft
from resolvers.recipes.repository import RecipePage
from resolvers.settings import Settings
from tests.support import events
from tests.support.fakes import InMemoryProfiles, InMemoryRecipes

TITLE = "2. Warm overhead per field"
TARGET = (
    "reported, no threshold: µs per call of the full handler path against calling the service"
    " function directly"
)
BLOCK_SECONDS = 0.03  # each timed block; long enough for a clock, short enough to interleave
PAGE = 20
BATCH = 50
CONFIGS = {
    "tracing active (as deployed)": {"LAMBDA_TASK_ROOT": str(REPO_ROOT)},
    "tracing off": {"LAMBDA_TASK_ROOT": str(REPO_ROOT), "POWERTOOLS_TRACE_DISABLED": "true"},
}

Case = tuple[Callable[[], Any], Callable[[], Any]]


class Recipes(InMemoryRecipes):
    """The test fake, minus its sort on every listing: a real page comes back in order."""

    def __init__(self) -> None:
        super().__init__()
        self.ordered: list[Recipe] = []

    def newest(self, limit: int, start: dict[str, Any] | None) -> RecipePage:  # noqa: ARG002
        return RecipePage(self.ordered[:limit], None)


def _cases() -> dict[str, Case]:
    """Each field's (handler call, direct call) over shared in-memory repositories."""
    settings = Settings(
        profiles_table="profiles",
        recipes_table="recipes",
        db_cluster_arn="arn:aws:rds:us-east-1:000000000000:cluster:bench",
        db_secret_arn="arn:aws:secretsmanager:us-east-1:000000000000:secret:bench",  # noqa: S106
        db_name="bench",
        pagination_secret="bench-only-pagination-secret-0123456789",  # noqa: S106 - local only
        images_table="images",
        photos_bucket="photos",
    )
    container = Container(settings)
    repo, people = Recipes(), InMemoryProfiles()
    vars(container).update(recipes=repo, profiles=people)  # over the lazy cached properties
    set_container(container)

    authors = [events.cognito(str(uuid.uuid4())) for _ in range(BATCH)]
    callers = [caller_from_identity(identity) for identity in authors]
    created = []
    for i in range(100):
        caller = callers[i % BATCH]
        created.append(recipes.create_recipe(repo, caller, parse_draft(recipe_input(i))))
        profiles.ensure_profile(people, caller)
    repo.ordered = list(reversed(created))
    viewer, viewer_caller = authors[0], callers[0]
    context = events.FakeLambdaContext()
    one = created[0]
    sources = [recipe.to_graphql() for recipe in created[:BATCH]]
    ids = [source["authorId"] for source in sources]
    draft = parse_draft(recipe_input())
    changes_input = {"displayName": "Benchmark cook", "bio": "Cooks for benchmarks."}
    changes = parse_profile_changes(changes_input)
    tokens = container.page_tokens

    def call(event: Any) -> Callable[[], Any]:
        return lambda: handler(event, context)

    def create_direct() -> Any:
        made = recipes.create_recipe(repo, viewer_caller, draft)
        profiles.ensure_profile(people, viewer_caller)
        return made.to_graphql()

    return {
        "Query.recipe": (
            call(events.event("Query", "recipe", {"id": one.id})),
            lambda: repo.get(one.id).to_graphql(),  # type: ignore[union-attr]
        ),
        f"Query.recipes (page of {PAGE})": (
            call(events.event("Query", "recipes", {"limit": PAGE})),
            lambda: recipes.list_recipes(
                repo, tokens, recipes.Listing("newest"), PAGE, None
            ).to_graphql(),
        ),
        f"Recipe.author (batch of {BATCH})": (
            call(events.batch("Recipe", "author", sources, identity=viewer)),
            lambda: [
                found.to_graphql() if found else None
                for found in profiles.profiles_in_order(people, ids)
            ],
        ),
        "Mutation.updateMyProfile": (
            call(
                events.event(
                    "Mutation", "updateMyProfile", {"input": changes_input}, identity=viewer
                )
            ),
            lambda: profiles.update_my_profile(people, viewer_caller, changes).to_graphql(),
        ),
        # Last: every call adds a recipe to the fake.
        "Mutation.createRecipe": (
            call(
                events.event("Mutation", "createRecipe", {"input": recipe_input()}, identity=viewer)
            ),
            create_direct,
        ),
    }


def _block(function: Callable[[], Any], calls: int) -> float:
    """µs per call over one block of `calls` calls."""
    gc.collect()
    started = time.perf_counter_ns()
    for _ in range(calls):
        function()
    return (time.perf_counter_ns() - started) / calls / 1000


def child(repeats: int) -> dict[str, Any]:
    # On Lambda, stdout is a pipe to the log service; anything the handler prints goes to a file.
    with Path(os.devnull).open("w", encoding="utf-8") as sink, contextlib.redirect_stdout(sink):
        cases = _cases()
        results: dict[str, Any] = {}
        for name, (through_handler, direct) in cases.items():
            assert through_handler() is not None
            assert direct() is not None
            per_call = _block(through_handler, 20) / 1e6
            calls = max(20, int(BLOCK_SECONDS / per_call))
            handler_us: list[float] = []
            direct_us: list[float] = []
            for i in range(repeats):
                pair = [(handler_us, through_handler), (direct_us, direct)]
                for samples, function in pair if i % 2 == 0 else reversed(pair):
                    samples.append(_block(function, calls))
            results[name] = {
                "calls_per_block": calls,
                "handler_us": handler_us,
                "direct_us": direct_us,
            }
    return results


def measure(*, repeats: int) -> Section:
    table = Table(
        [
            "Field",
            "Configuration",
            "Handler path (µs/call)",
            "Service call (µs/call)",
            "Overhead (µs/call)",
            "Handler / service",
        ]
    )
    data: dict[str, Any] = {}
    for config, extra in CONFIGS.items():
        env = {**os.environ, **LAMBDA_ENV, **extra, "PYTHONPATH": str(REPO_ROOT)}
        if "POWERTOOLS_TRACE_DISABLED" not in extra:
            env.pop("POWERTOOLS_TRACE_DISABLED", None)
        completed = subprocess.run(
            [sys.executable, "-m", "benchmarks.warm_overhead", str(repeats)],
            env=env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode:
            raise RuntimeError(f"warm overhead child failed:\n{completed.stderr[-2000:]}")
        results = json.loads(completed.stdout.strip().splitlines()[-1])
        data[config] = {}
        for name, result in results.items():
            handler_us, direct_us = result["handler_us"], result["direct_us"]
            overhead = summarize([h - d for h, d in zip(handler_us, direct_us, strict=True)])
            ratio = summarize(paired_ratios(handler_us, direct_us))
            data[config][name] = {
                "handler_us": summarize(handler_us),
                "direct_us": summarize(direct_us),
                "overhead_us": overhead,
                "ratio": ratio,
                "samples": result,
            }
            table.rows.append(
                [
                    name,
                    config,
                    spread(summarize(handler_us), digits=1),
                    spread(summarize(direct_us), digits=1),
                    spread(overhead, digits=1),
                    ratio_cell(ratio),
                ]
            )
    table.rows.sort(key=lambda row: (list(data[row[1]]).index(row[0]), row[1]))
    deployed = data["tracing active (as deployed)"]
    single = deployed["Query.recipe"]["overhead_us"].median
    batch = deployed[f"Recipe.author (batch of {BATCH})"]["overhead_us"].median
    return Section(
        key="warm_overhead",
        title=TITLE,
        target=TARGET,
        verdict=INFO,
        headline=(
            f"{fmt(single, 0)} µs per single-field invoke as deployed;"
            f" {fmt(batch, 0)} µs per batch of {BATCH} ({fmt(batch / BATCH, 1)} µs per item)"
        ),
        tables=[table],
        notes=[
            (
                f"{repeats} interleaved blocks of ~{BLOCK_SECONDS * 1000:.0f} ms per side; overhead"
                " and ratio are taken block by block. Both sides share the same in-memory"
                " repositories, so the service call is the floor and the difference is the handler"
                " path alone."
            ),
            (
                "The service side calls the same service functions with arguments already parsed;"
                " the handler side adds what AppSync's invoke adds in the function: building"
                " Powertools' event wrapper, routing, reading the caller, parsing input, shaping"
                " output, the exception boundary, Logger context injection and, when tracing is"
                " active, the X-Ray subsegment sent over UDP to a loopback daemon address."
            ),
            (
                "For scale: one DynamoDB GetItem in the same region typically takes a few ms, so"
                " even the as-deployed overhead is a small share of a field's latency."
            ),
        ],
        data={"configurations": data, "repeats": repeats},
    )


if __name__ == "__main__":
    sys.stdout.write(json.dumps(child(int(sys.argv[1]))) + "\n")
