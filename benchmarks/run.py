"""Run every benchmark and write `RESULTS.md` and `results.json` (what `scripts/bench` runs).

`--quick` is a smoke run with fewer repetitions; `--only KEY,...` runs a subset. Only a full run
writes into benchmarks/ by default; the others write to a scratch directory unless `--out` says
otherwise, so a partial run never replaces the recorded results.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import (
    cold_start,
    data_api_overhead,
    devserver_load,
    fanout,
    neighbour,
    package_size,
    photos,
    round_trips,
    search,
    warm_overhead,
)
from benchmarks.backends import HostedBackends, install_app
from benchmarks.report import Section, failed_section, machine_info, write_results

if TYPE_CHECKING:
    from collections.abc import Callable

BENCH_DIR = Path(__file__).resolve().parent
BUDGET_SECONDS = 600  # the bound for a full run on 2 cores


@dataclass(frozen=True)
class Settings:
    cold_rounds: int
    import_profiles: int
    warm_repeats: int
    load_rounds: int
    load_seconds: float
    subscribers: int
    mutations: int
    data_api_repeats: int
    neighbour_rounds: int
    lag_samples: int = 30
    search_queries: int = 20
    photo_samples: int = 20


FULL = Settings(
    cold_rounds=12,
    import_profiles=3,
    warm_repeats=15,
    # Paired ratios moved by a third from round to round on this shared 2-core machine (own
    # overhead 1.33-2.36x within one run of 4 rounds): more, shorter rounds make their median
    # steadier for about 45 s more.
    load_rounds=6,
    load_seconds=1.2,
    subscribers=1000,
    mutations=5,
    data_api_repeats=15,
    neighbour_rounds=5,
)
QUICK = Settings(
    cold_rounds=3,
    import_profiles=1,
    warm_repeats=5,
    load_rounds=1,
    load_seconds=0.7,
    subscribers=1000,
    mutations=2,
    data_api_repeats=5,
    lag_samples=5,
    search_queries=5,
    photo_samples=5,
    neighbour_rounds=1,
)


@dataclass(frozen=True)
class Benchmark:
    key: str
    title: str
    target: str
    run: Callable[[Any, Any, Settings], Section]  # (app env, container, settings)


BENCHMARKS = (
    Benchmark(
        "cold_start",
        cold_start.TITLE,
        cold_start.TARGET,
        lambda env, _, s: cold_start.measure(
            env, rounds=s.cold_rounds, profile_runs=s.import_profiles
        ),
    ),
    Benchmark(
        "warm_overhead",
        warm_overhead.TITLE,
        warm_overhead.TARGET,
        lambda _env, _c, s: warm_overhead.measure(repeats=s.warm_repeats),
    ),
    Benchmark(
        "round_trips",
        round_trips.TITLE,
        round_trips.TARGET,
        lambda _, c, _s: round_trips.measure(c),
    ),
    Benchmark(
        "devserver_load",
        devserver_load.TITLE,
        devserver_load.TARGET,
        lambda env, _, s: devserver_load.measure(env, rounds=s.load_rounds, seconds=s.load_seconds),
    ),
    Benchmark(
        "fanout",
        fanout.TITLE,
        fanout.TARGET,
        lambda env, _, s: fanout.measure(env, subscribers=s.subscribers, mutations=s.mutations),
    ),
    Benchmark(
        "data_api_overhead",
        data_api_overhead.TITLE,
        data_api_overhead.TARGET,
        lambda env, _, s: data_api_overhead.measure(env, repeats=s.data_api_repeats),
    ),
    Benchmark(
        "search",
        search.TITLE,
        search.TARGET,
        lambda env, c, s: search.measure(
            env,
            c,
            Path(tempfile.mkdtemp(prefix="potluck-bench-search-")),
            lag_samples=s.lag_samples,
            queries=s.search_queries,
        ),
    ),
    Benchmark(
        "package_size", package_size.TITLE, package_size.TARGET, lambda *_: package_size.measure()
    ),
    Benchmark(
        "photos",
        photos.TITLE,
        photos.TARGET,
        lambda env, c, s: photos.measure(
            env,
            c,
            Path(tempfile.mkdtemp(prefix="potluck-bench-photos-")),
            samples=s.photo_samples,
            cold_rounds=s.cold_rounds,
        ),
    ),
    Benchmark(
        "neighbour",
        neighbour.TITLE,
        neighbour.TARGET,
        lambda env, _, s: neighbour.measure(env, rounds=s.neighbour_rounds),
    ),
)


def _log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    parser.add_argument(
        "--only", help="comma-separated keys: " + ", ".join(b.key for b in BENCHMARKS)
    )
    parser.add_argument("--out", type=Path, help="where to write RESULTS.md and results.json")
    args = parser.parse_args(argv)
    chosen: tuple[Benchmark, ...] = BENCHMARKS
    if args.only:
        keys = {key.strip() for key in args.only.split(",")}
        unknown = keys - {b.key for b in BENCHMARKS}
        if unknown:
            parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
        chosen = tuple(b for b in BENCHMARKS if b.key in keys)
    partial = args.quick or bool(args.only)
    out = args.out or (Path(tempfile.mkdtemp(prefix="potluck-bench-")) if partial else BENCH_DIR)
    out.mkdir(parents=True, exist_ok=True)
    settings = QUICK if args.quick else FULL
    mode = "quick" if args.quick else "full"
    command = shlex.join(["scripts/bench", *(argv if argv is not None else sys.argv[1:])])

    started = time.time()
    machine = machine_info()
    sections: list[Section] = []
    _log(f"{mode} run of {', '.join(b.key for b in chosen)}; starting the local backends")
    with HostedBackends() as backends:
        app_env = backends.provision()
        container = install_app(app_env)
        for bench in chosen:
            _log(f"{bench.title} ...")
            began = time.perf_counter()
            try:
                section = bench.run(app_env, container, settings)
            except Exception as error:  # noqa: BLE001 - one failure must not lose the others
                traceback.print_exc()
                section = failed_section(bench.key, bench.title, bench.target, error)
            section.seconds = round(time.perf_counter() - began, 1)
            sections.append(section)
            _log(
                f"{bench.title}: {section.verdict} in {section.seconds:.0f} s — {section.headline}"
            )
    json_path, md_path = write_results(
        out, sections, machine=machine, mode=mode, started=started, command=command
    )
    elapsed = time.time() - started
    _log(f"wrote {md_path} and {json_path} in {elapsed:.0f} s")
    if elapsed > BUDGET_SECONDS:
        _log(f"WARNING: over the {BUDGET_SECONDS} s budget for a full run")
    return 1 if any(s.verdict == "not measured" for s in sections) else 0


if __name__ == "__main__":
    sys.exit(main())
