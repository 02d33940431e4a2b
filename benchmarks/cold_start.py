# ruff: noqa: RUF001 - the report's typography: multiplication sign for ratios, en dash for ranges
"""1. Cold start: import the handler and serve a first `recipe(id)` in a fresh process.

The floor is a fresh process that imports boto3, builds the same DynamoDB client the container
builds and makes the same GetItem: what any Python Lambda that reads one item pays anyway.

Both run from a tree holding only what the Lambda package holds (`resolvers/` plus the runtime
dependencies from uv.lock, installed for this machine), with `python -S`, so nothing from the
dev environment is importable. That matters: X-Ray's `patch_all` patches every supported library
it can import, and the dev environment has more of them than the package. A peer, the smallest
Powertools AppSync handler, shows what the framework costs by itself. The three run in rotating
order against the same local backends, and ratios are taken within each round.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import seed
from benchmarks.child import REPO_ROOT
from benchmarks.report import (
    MET,
    MISSED,
    Section,
    Summary,
    Table,
    fmt,
    paired_ratios,
    ratio_cell,
    spread,
    summarize,
)
from infra.bundle import copy_sources, export_requirements_command
from resolvers.recipes.repository import _key
from resolvers.store.dynamo import to_item
from tests.support import events

if TYPE_CHECKING:
    from benchmarks.backends import AppEnv

TITLE = "1. Cold start"
TARGET = (
    "importing the handler and serving the first invocation in a fresh process takes at most"
    " 1.25× the floor (a process that imports boto3, creates the same client and makes the same"
    " GetItem), as deployed; nothing heavy at import time; clients built lazily, reused while warm"
)
LIMIT = 1.25
CHILD = Path(__file__).with_name("cold_child.py")
# A sampled trace header, as the Lambda runtime sets it for each invocation.
TRACE_ID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

# What the Lambda runtime and infra/functions.py set.
LAMBDA_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "potluck-api",
    "AWS_REGION": "us-east-1",  # Lambda sets both
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
    "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/potluck-api",
    "POWERTOOLS_SERVICE_NAME": "potluck",
    "POWERTOOLS_METRICS_NAMESPACE": "Potluck",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
    # Segments go over UDP to a daemon address on loopback where nothing listens: the cost of
    # sending them is paid, and nothing leaves the machine.
    "_X_AMZN_TRACE_ID": TRACE_ID,
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    # Nothing but loopback: no instance metadata lookups, no ~/.aws files.
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


@dataclass(frozen=True)
class Variant:
    name: str
    extra_env: dict[str, str]
    handler_tree: str  # "pyc": bytecode cached after the warm-up run; "source": compiled each run
    rounds_share: float = 1.0


VARIANTS = (
    Variant("as deployed: tracing active", {}, "pyc"),
    Variant(
        "tracing off (POWERTOOLS_TRACE_DISABLED)", {"POWERTOOLS_TRACE_DISABLED": "true"}, "pyc"
    ),
    # What a package without .pyc would cost: /var/task is read-only, so every cold start would
    # compile what it imports (deploy builds now byte-compile, see infra/bundle.py); the floor
    # keeps its bytecode, as the runtime's own boto3 has it.
    Variant("without .pyc in the package, tracing active", {}, "source", 0.5),
)


def runtime_tree(root: Path, groups: tuple[str, ...] = ()) -> Path:
    """`resolvers/` plus the locked runtime dependencies (and `groups`), for this machine."""
    tree = root / "package"
    requirements = root / "requirements.txt"
    subprocess.run(export_requirements_command(requirements, groups), cwd=REPO_ROOT, check=True)
    uv = export_requirements_command(requirements)[0]
    install = [
        uv, "pip", "install", "--quiet", "--no-deps", "--target", str(tree),
        "--requirement", str(requirements), "--python", sys.executable,
    ]  # fmt: skip
    # The wheels are in uv's cache from the project sync; only go to the index if they are not.
    if subprocess.run([*install, "--offline"], cwd=REPO_ROOT, check=False).returncode:
        subprocess.run(install, cwd=REPO_ROOT, check=True)
    shutil.rmtree(tree / "bin", ignore_errors=True)
    copy_sources(tree)
    return tree


def child_env(app_env: AppEnv, tree: Path, work: dict[str, Any] | None = None) -> dict[str, str]:
    """A small, explicit environment, the same for both sides, like a Lambda's."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(tree),
        "LAMBDA_TASK_ROOT": str(tree),
        **app_env.env,
        **LAMBDA_ENV,
    }
    if work is not None:
        env["BENCH_COLD_INPUT"] = json.dumps(work)
    return env


def python_command(*args: str) -> list[str]:
    # -S: no site-packages, so only the tree is importable; -P: not the script's directory.
    return [sys.executable, "-S", "-P", *args]


def run_child(mode: str, env: dict[str, str]) -> dict[str, Any]:
    """One fresh process; its own figures plus the OS's accounting of its wall and CPU time."""
    started = time.perf_counter()
    process = subprocess.Popen(
        python_command(str(CHILD), mode),
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    if process.returncode != 0:
        raise RuntimeError(f"{mode} child failed ({process.returncode}):\n{output[-2000:]}")
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["process_wall_s"] = wall
    result["process_cpu_s"] = usage.ru_utime + usage.ru_stime
    return result


IMPORT_GROUPS = (
    ("resolvers", "Potluck's own modules (resolvers/)"),
    ("aws_xray_sdk", "X-Ray SDK and wrapt (Tracer)"),
    ("wrapt", "X-Ray SDK and wrapt (Tracer)"),
    ("aws_lambda_powertools.event_handler", "Powertools event_handler package"),
    ("aws_lambda_powertools.utilities.data_classes", "Powertools data_classes package"),
    ("aws_lambda_powertools.logging", "Powertools Logger and Metrics"),
    ("aws_lambda_powertools.metrics", "Powertools Logger and Metrics"),
    ("aws_lambda_powertools", "Powertools, other modules"),
    ("typing_extensions", "typing_extensions"),
)


def _import_group(module: str) -> str:
    for prefix, group in IMPORT_GROUPS:
        if module == prefix or module.startswith(prefix + "."):
            return group
    return "standard library and the rest"


def _self_times(mode: str, env: dict[str, str]) -> dict[str, float]:
    """Self import time (ms, under -X importtime) of every module one cold start imports."""
    completed = subprocess.run(
        python_command("-X", "importtime", str(CHILD), mode),
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    times: dict[str, float] = {}
    for line in completed.stderr.splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            self_us, _, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
            times[name] = int(self_us) / 1000
    return times


def import_profile(env: dict[str, str], runs: int) -> dict[str, dict[str, float]]:
    """For handler and peer: median self import time (ms) per group of the modules the floor
    does not import, over `runs` runs of each cold start under `python -X importtime`."""
    floor_modules = set(_self_times("floor", env))
    profile: dict[str, dict[str, float]] = {}
    for mode in ("handler", "peer"):
        per_run = []
        for _ in range(runs):
            totals: dict[str, float] = defaultdict(float)
            for module, ms in _self_times(mode, env).items():
                if module not in floor_modules:
                    totals[_import_group(module)] += ms
            per_run.append(totals)
        groups = {group for totals in per_run for group in totals}
        profile[mode] = {g: statistics.median(t.get(g, 0.0) for t in per_run) for g in groups}
    return profile


MODES = ("handler", "peer", "floor")


@dataclass
class VariantResult:
    variant: Variant
    runs: dict[str, list[dict[str, Any]]]

    def samples(self, mode: str, key: str, scale: float = 1000.0) -> list[float]:
        return [run[key] * scale for run in self.runs[mode]]

    def summary(self, mode: str, key: str, scale: float = 1000.0) -> Summary:
        return summarize(self.samples(mode, key, scale))

    def ratio(self, mode: str, base: str, key: str = "total_s") -> Summary:
        return summarize(paired_ratios(self.samples(mode, key), self.samples(base, key)))

    def as_data(self) -> dict[str, Any]:
        figures = {
            "import_and_first_invocation_ms": ("total_s", 1000.0),
            "imports_ms": ("import_s", 1000.0),
            "cpu_ms": ("cpu_s", 1000.0),
            "process_wall_ms": ("process_wall_s", 1000.0),
            "peak_rss_mib": ("peak_rss_mib", 1.0),
        }
        return {
            "rounds": len(self.runs["handler"]),
            **{
                name: {
                    mode: {
                        "summary": self.summary(mode, key, scale),
                        "samples": self.samples(mode, key, scale),
                    }
                    for mode in MODES
                }
                for name, (key, scale) in figures.items()
            },
            "ratios": {
                "handler/floor": self.ratio("handler", "floor"),
                "peer/floor": self.ratio("peer", "floor"),
                "handler/peer": self.ratio("handler", "peer"),
            },
        }


def run_variant(
    variant: Variant, app_env: AppEnv, trees: dict[str, Path], work: dict[str, Any], rounds: int
) -> VariantResult:
    code_env = child_env(app_env, trees[variant.handler_tree], work) | variant.extra_env
    if variant.handler_tree == "source":
        code_env["PYTHONDONTWRITEBYTECODE"] = "1"
    envs = {
        "handler": code_env,
        "peer": code_env,  # the same package: only the code differs
        "floor": child_env(app_env, trees["pyc"], work) | variant.extra_env,
    }
    # One of each first, uncounted: it writes the tree's bytecode and warms the page cache.
    for mode in MODES:
        run_child(mode, envs[mode])
    result = VariantResult(variant, {mode: [] for mode in MODES})
    for i in range(rounds):
        # Rotating the order, so no side always runs first or right after the same neighbour.
        for mode in MODES[i % 3 :] + MODES[: i % 3]:
            result.runs[mode].append(run_child(mode, envs[mode]))
    return result


def _three(result: VariantResult, key: str, scale: float, unit: str) -> str:
    return " / ".join(fmt(result.summary(m, key, scale).median) for m in MODES) + unit


def measure(app_env: AppEnv, *, rounds: int, profile_runs: int) -> Section:
    recipe = seed.create_recipe(seed.new_user())
    work = {
        "event": events.event("Query", "recipe", {"id": recipe["id"]}),
        "table": app_env.env["RECIPES_TABLE"],
        "key": to_item(_key(recipe["id"])),
    }
    scratch = Path(tempfile.mkdtemp(prefix="potluck-bench-cold-"))
    try:
        pyc_tree = runtime_tree(scratch)
        source_tree = scratch / "package-source"
        shutil.copytree(pyc_tree, source_tree)  # copied before any run wrote bytecode
        trees = {"pyc": pyc_tree, "source": source_tree}
        results = [
            run_variant(v, app_env, trees, work, max(2, round(rounds * v.rounds_share)))
            for v in VARIANTS
        ]
        profile = import_profile(child_env(app_env, pyc_tree, work), profile_runs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    table = Table(
        [
            "Configuration",
            "Handler (ms)",
            "Peer (ms)",
            "Floor (ms)",
            "Handler / floor",
            "Peer / floor",
            "Handler / peer",
        ]
    )
    detail = Table(
        [
            "Configuration",
            "Imports only (ms), handler / peer / floor",
            "CPU (ms), handler / peer / floor",
            "Peak RSS, handler / peer / floor",
        ]
    )
    for result in results:
        table.rows.append(
            [
                result.variant.name,
                *(spread(result.summary(mode, "total_s"), digits=0) for mode in MODES),
                ratio_cell(result.ratio("handler", "floor")),
                ratio_cell(result.ratio("peer", "floor")),
                ratio_cell(result.ratio("handler", "peer")),
            ]
        )
        detail.rows.append(
            [
                result.variant.name,
                _three(result, "import_s", 1000.0, ""),
                _three(result, "cpu_s", 1000.0, ""),
                _three(result, "peak_rss_mib", 1.0, " MiB"),
            ]
        )

    deployed = results[0]
    handler_runs = [run for result in results for run in result.runs["handler"]]
    peer_runs = [run for result in results for run in result.runs["peer"]]
    checks = {
        "every first invocation found the recipe": all(
            r["found"] for r in handler_runs + peer_runs
        ),
        "no container, so no client, exists after import": not any(
            r["container_at_import"] for r in handler_runs
        ),
        "the same client served the second (warm) invocation": all(
            r["client_reused"] for r in handler_runs
        ),
    }
    built = sorted({c for r in handler_runs for c in r["clients_built"]})
    warm_ms = summarize([r["warm_invoke_s"] * 1000 for r in deployed.runs["handler"]])
    handler_extra = profile.get("handler", {})
    extra_total = sum(handler_extra.values()) or 1.0
    profile_table = Table(
        [
            "Imported beyond the floor, as deployed",
            "Handler: ms under -X importtime (share)",
            "Peer: ms",
        ],
        [
            [
                group,
                f"{ms:.0f} ({ms / extra_total:.0%})",
                f"{profile['peer'].get(group, 0.0):.0f}",
            ]
            for group, ms in sorted(handler_extra.items(), key=lambda item: -item[1])
        ],
    )
    ratio = deployed.ratio("handler", "floor")
    met = ratio.median <= LIMIT and all(checks.values())
    notes = [
        (
            "Handler: Potluck's `resolvers.app.handler`. Peer: the smallest Powertools AppSync"
            " handler using the framework as resolvers/app.py does (Logger and Tracer decorators,"
            " the metrics module imported, one resolver doing the same GetItem): what the"
            " framework costs by itself. Floor: boto3, the same client, one GetItem."
        ),
        (
            f"Each figure is the time from the process's first line to the first response (imports"
            f" included, interpreter start-up excluded: it is the same for all three);"
            f" {deployed.as_data()['rounds']} rounds of three fresh processes per configuration"
            f" ({results[-1].as_data()['rounds']} without bytecode), in rotating order, with ratios"
            " taken within each round."
        ),
        "Checks: "
        + "; ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in checks.items())
        + f". Clients the first recipe(id) built: {', '.join(built) or 'none'}. The warm"
        f" second invocation took {spread(warm_ms, ' ms')}.",
        (
            "Deployed functions run Python 3.14 on arm64; these run this machine's Python. The"
            " floor's bytecode is cached in every configuration, as the runtime's own boto3 is."
        ),
    ]
    if profile:
        notes.append(
            f"The third table splits the import time the handler adds over the floor: modules the"
            f" floor does not import, self time summed per group, median of {profile_runs} runs of"
            " each cold start under `python -X importtime` (which inflates every figure about"
            " threefold, so read the shares)."
        )
    notes.append(_analysis(results))
    return Section(
        key="cold_start",
        title=TITLE,
        target=TARGET,
        verdict=MET if met else MISSED,
        headline=(
            f"{ratio.median:.2f}× the floor as deployed"
            f" ({deployed.summary('handler', 'total_s').median:.0f} ms vs"
            f" {deployed.summary('floor', 'total_s').median:.0f} ms; the framework-only peer is"
            f" {deployed.ratio('peer', 'floor').median:.2f}×); peak RSS"
            f" {deployed.summary('handler', 'peak_rss_mib', 1.0).median:.0f} MiB vs"
            f" {deployed.summary('floor', 'peak_rss_mib', 1.0).median:.0f} MiB"
        ),
        tables=[table, detail, profile_table] if profile else [table, detail],
        notes=notes,
        data={
            "configurations": {result.variant.name: result.as_data() for result in results},
            "checks": checks,
            "clients_built_by_first_invocation": built,
            "warm_invocation_ms": warm_ms,
            "import_profile_beyond_floor_ms": profile,
            "verdict_basis": "median paired ratio, import + first invocation, as deployed",
            "limit": LIMIT,
        },
    )


def _analysis(results: list[VariantResult]) -> str:
    deployed, untraced, shipped = results
    ms = {mode: deployed.summary(mode, "total_s").median for mode in MODES}
    tracing = ms["handler"] - untraced.summary("handler", "total_s").median
    no_pyc = shipped.summary("handler", "total_s").median - ms["handler"]
    return (
        f"Why: of the {ms['handler'] - ms['floor']:.0f} ms the handler adds to the floor, the"
        f" framework-only peer already costs {ms['peer'] - ms['floor']:.0f} ms"
        f" ({deployed.ratio('peer', 'floor').median:.2f}× the floor by itself): importing"
        " Powertools' event_handler package loads its API Gateway, OpenAPI and other resolvers,"
        " data_classes loads every event class, and the Tracer loads the X-Ray SDK even when"
        f" tracing is off. Potluck's own code (its modules, the container, the first call's"
        f" lazy imports) adds {ms['handler'] - ms['peer']:.0f} ms. Tracing active rather than"
        f" off: {tracing:+.0f} ms, small next to the rest. A package without bytecode would add"
        f" {no_pyc:.0f} ms, more than everything else together, which is why deploy builds"
        " byte-compile it with the runtime's Python (infra/bundle.py). What remains above the"
        " 1.25× target is mostly the framework's own imports; beating it means dropping the"
        " Tracer or Powertools' event handler, a trade this project does not make."
    )
