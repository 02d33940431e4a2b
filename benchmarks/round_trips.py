"""3. Backend round trips per operation, at list sizes 5, 50 and 100.

Every request the container's DynamoDB and Data API clients send is counted (botocore's
`before-call` event) while an operation runs as AppSync would run it: the root field, then each
nested field, with batched fields sent as batches of up to their wiring's `max_batch_size`.
For queries the size is the page; for mutations it is how much surrounds what they touch: the
author's recipes, the recipe's comments and ratings.
"""

from __future__ import annotations

import time
import tomllib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from benchmarks import seed
from benchmarks.child import REPO_ROOT
from benchmarks.report import MET, MISSED, Section, Table, spread, summarize
from tests.support import events

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

TITLE = "3. Backend round trips per operation"
TARGET = "the number of backend requests per operation does not grow with list size (5, 50, 100)"
SIZES = (5, 50, 100)
FEED_AUTHORS = 25


def batch_sizes() -> dict[str, int]:
    wiring = tomllib.loads((REPO_ROOT / "resolvers" / "wiring.toml").read_text(encoding="utf-8"))
    return {r["field"]: int(r.get("max_batch_size", 0)) for r in wiring["resolvers"]}


class Counting:
    """Counts requests per `Service.Operation` on the container's clients, and times them."""

    def __init__(self, container: Any) -> None:
        self.latencies_ms: dict[str, list[float]] = {"DynamoDB": [], "DataAPI": []}
        self._clients = {"DynamoDB": container.dynamodb, "DataAPI": container.rds_data}

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        counted: Counter[str] = Counter()
        hooks = []
        started: list[float] = []  # the handler is single-threaded: one request at a time
        for label, client in self._clients.items():

            def count(model: Any, _label: str = label, **_: Any) -> None:
                counted[f"{_label}.{model.name}"] += 1
                started.append(time.perf_counter())

            def done(_label: str = label, **_: Any) -> None:
                if started:
                    self.latencies_ms[_label].append((time.perf_counter() - started.pop()) * 1000)

            client.meta.events.register("before-call", count)
            client.meta.events.register("after-call", done)
            hooks.append((client, count, done))
        try:
            yield counted
        finally:
            for client, count, done in hooks:
                client.meta.events.unregister("before-call", count)
                client.meta.events.unregister("after-call", done)


@dataclass
class World:
    """Authors A_n with n recipes; R_n, A_n's first recipe, with n comments and n ratings."""

    viewer: dict[str, Any]
    users: list[dict[str, Any]]
    authors: dict[int, dict[str, Any]] = field(default_factory=dict)
    recipes: dict[int, dict[str, Any]] = field(default_factory=dict)


def build_world() -> World:
    world = World(viewer=seed.new_user(), users=[seed.new_user() for _ in range(max(SIZES))])
    for size in SIZES:
        author = seed.new_user()
        made = [seed.create_recipe(author, n) for n in range(size)]
        world.authors[size], world.recipes[size] = author, made[0]
        for n, user in enumerate(world.users[:size]):
            seed.rate(user, made[0]["id"], 1 + n % 5)
            seed.add_comment(user, made[0]["id"], f"Comment {n}")
    # The newest recipes, by several authors, make the home feed; the viewer rated and
    # commented on some of them.
    feed_authors = [seed.new_user() for _ in range(FEED_AUTHORS)]
    for n in range(max(SIZES)):
        recipe = seed.create_recipe(feed_authors[n % FEED_AUTHORS], n)
        if n % 2 == 0:
            seed.rate(world.viewer, recipe["id"], 4)
        if n % 4 == 0:
            seed.add_comment(world.viewer, recipe["id"], "Made this.")
    return world


def run_batched(
    type_name: str,
    field_name: str,
    sources: list[dict[str, Any]],
    identity: Any,
    limits: dict[str, int],
) -> list[Any]:
    """One nested field over its parents, as AppSync sends it: batches of at most max_batch_size."""
    size = limits[f"{type_name}.{field_name}"] or 1
    results: list[Any] = []
    for start in range(0, len(sources), size):
        chunk = sources[start : start + size]
        results += seed.invoke(events.batch(type_name, field_name, chunk, identity=identity))
    return results


def operations(world: World, size: int, limits: dict[str, int]) -> dict[str, Callable[[], int]]:
    """Each operation at `size`; each returns how many list items it produced, as a check."""
    viewer, author, recipe = world.viewer, world.authors[size], world.recipes[size]
    commenter = world.users[0]

    def home_feed() -> int:
        page = seed.invoke(events.event("Query", "recipes", {"limit": size}, identity=viewer))
        for name in ("author", "rating", "commentCount"):
            run_batched("Recipe", name, page["items"], viewer, limits)
        return len(page["items"])

    def recipe_with_comments() -> int:
        found = seed.invoke(events.event("Query", "recipe", {"id": recipe["id"]}, identity=viewer))
        thread = seed.invoke(
            events.event("Recipe", "comments", {"limit": size}, identity=viewer, source=found)
        )
        run_batched("Comment", "author", thread["items"], viewer, limits)
        return len(thread["items"])

    def profile_with_recipes() -> int:
        seed.invoke(events.event("Query", "profile", {"id": author["sub"]}, identity=viewer))
        page = seed.invoke(
            events.event(
                "Query",
                "recipesByAuthor",
                {"authorId": author["sub"], "limit": size},
                identity=viewer,
            )
        )
        return len(page["items"])

    added: dict[str, Any] = {}

    def mutation(
        field_name: str, arguments: Callable[[], dict[str, Any]], who: Any
    ) -> Callable[[], int]:
        def run() -> int:
            result = seed.invoke(events.event("Mutation", field_name, arguments(), identity=who))
            added[field_name] = result
            return 1

        return run

    return {
        "home feed: recipes + author, rating, commentCount": home_feed,
        "recipe + its first comments + Comment.author": recipe_with_comments,
        "profile + recipesByAuthor": profile_with_recipes,
        "createRecipe (author has N recipes)": mutation(
            "createRecipe", lambda: {"input": seed.recipe_input()}, author
        ),
        "updateMyProfile (author has N recipes)": mutation(
            "updateMyProfile", lambda: {"input": {"bio": f"Has {size} recipes."}}, author
        ),
        "updateRecipe (recipe has N comments, N ratings)": mutation(
            "updateRecipe",
            lambda: {
                # R_n has not been updated before: comments and ratings leave its version alone.
                "input": {"id": recipe["id"], "expectedVersion": 1, "title": "Renamed"}
            },
            author,
        ),
        "addComment (recipe has N comments)": mutation(
            "addComment", lambda: {"recipeId": recipe["id"], "body": "One more."}, commenter
        ),
        "editComment (recipe has N comments)": mutation(
            "editComment", lambda: {"id": added["addComment"]["id"], "body": "Edited."}, commenter
        ),
        "deleteComment (recipe has N comments)": mutation(
            "deleteComment", lambda: {"id": added["addComment"]["id"]}, commenter
        ),
        "rateRecipe (recipe has N ratings)": mutation(
            "rateRecipe", lambda: {"recipeId": recipe["id"], "stars": 5}, commenter
        ),
        "deleteRecipe (recipe has N comments, N ratings)": mutation(
            "deleteRecipe", lambda: {"id": recipe["id"]}, author
        ),
    }


def _cell(counts: Counter[str]) -> str:
    total = sum(counts.values())
    parts = ", ".join(f"{name.split('.', 1)[1]} {n}" for name, n in sorted(counts.items()))
    return f"**{total}** ({parts})"


def measure(container: Any) -> Section:
    limits = batch_sizes()
    world = build_world()
    counter = Counting(container)
    counts: dict[str, dict[int, Counter[str]]] = {}
    produced: dict[str, dict[int, int]] = {}
    for size in SIZES:
        for name, operation in operations(world, size, limits).items():
            with counter.counting() as counted:
                produced.setdefault(name, {})[size] = operation()
            counts.setdefault(name, {})[size] = Counter(counted)
    table = Table(["Operation", *(f"N = {size}" for size in SIZES), "Constant?"])
    constant_all = True
    for name, by_size in counts.items():
        constant = all(by_size[size] == by_size[SIZES[0]] for size in SIZES)
        constant_all &= constant
        table.rows.append(
            [name, *(_cell(by_size[size]) for size in SIZES), "yes" if constant else "**NO**"]
        )
    queries = list(counts)[:3]
    pages_full = all(produced[name][size] == size for name in queries for size in SIZES)
    return Section(
        key="round_trips",
        title=TITLE,
        target=TARGET,
        verdict=MET if constant_all else MISSED,
        headline=(
            "constant for every operation"
            if constant_all
            else "some operations grow with list size"
        ),
        tables=[table],
        notes=[
            (
                "Cells: total requests (per operation name). DynamoDB: GetItem, Query, BatchGetItem,"
                " PutItem, UpdateItem, TransactWriteItems. Data API: ExecuteStatement,"
                " BeginTransaction, CommitTransaction."
            ),
            (
                "Batched fields follow the wiring's max_batch_size (100), so a page of up to 100 is one"
                " invoke per nested field."
            ),
            f"Every query's list came back with exactly N items: {'yes' if pages_full else 'NO'}.",
            (
                "One request to the local backends took, while counting: DynamoDB (moto)"
                f" {spread(summarize(counter.latencies_ms['DynamoDB']), ' ms')}, Data API"
                f" {spread(summarize(counter.latencies_ms['DataAPI']), ' ms')}. Those, not the"
                " handler, set the real-handler devserver's latency in section 4."
            ),
        ],
        data={
            "counts": {
                name: {size: dict(c) for size, c in by.items()} for name, by in counts.items()
            },
            "items_returned": produced,
            "request_ms": {k: summarize(v) for k, v in counter.latencies_ms.items()},
        },
    )
