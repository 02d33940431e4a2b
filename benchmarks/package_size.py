"""7. Lambda package: the unzipped size of the deployed asset against Lambda's 250 MB limit.

The package is built exactly as `scripts/deploy` builds it (`infra.bundle.build_lambda_package`,
arm64 wheels for the Lambda's Python), into a scratch directory. Installing the wheels may fetch
them from the package index when uv's cache lacks them.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.report import MET, MISSED, Section, Table
from infra.bundle import BuildError, build_lambda_package, unzipped_size
from infra.config import LAMBDA_PLATFORM, LAMBDA_PYTHON_VERSION

TITLE = "7. Lambda package size"
TARGET = "the deployed asset's unzipped size stays under Lambda's 250 MB limit"
LIMIT_BYTES = 250 * 1024 * 1024  # 262,144,000 bytes: what Lambda's quota page calls 250 MB
MB = 1_000_000


def _zipped_size(package: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(package.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(package))
    return buffer.tell()


def _by_top_level(package: Path) -> list[tuple[str, int]]:
    sizes: dict[str, int] = {}
    for path in package.rglob("*"):
        if path.is_file():
            top = path.relative_to(package).parts[0]
            name = top.split("-")[0] if top.endswith(".dist-info") else top
            sizes[name] = sizes.get(name, 0) + path.stat().st_size
    return sorted(sizes.items(), key=lambda item: -item[1])


def measure() -> Section:
    scratch = Path(tempfile.mkdtemp(prefix="potluck-bench-package-"))
    try:
        try:
            package = build_lambda_package(
                scratch / "lambda", with_dependencies=True, bytecode=False
            )
        except BuildError as error:
            return Section(
                key="package_size",
                title=TITLE,
                target=TARGET,
                verdict="not measured",
                headline=f"the package could not be built: {error}",
            )
        # Deploy builds add bytecode for the runtime's Python, which this machine may not have;
        # this interpreter's bytecode is within a few percent of the same size.
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "-j", "0", str(package)], check=True
        )
        size = unzipped_size(package)
        zipped = _zipped_size(package)
        files = sum(1 for path in package.rglob("*") if path.is_file())
        parts = _by_top_level(package)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    share = size / LIMIT_BYTES
    table = Table(
        ["Figure", "Value", "Against the 250 MB limit"],
        [
            ["unzipped size", f"{size / MB:.1f} MB ({size:,} bytes)", f"{share:.1%}"],
            ["zipped (deflate)", f"{zipped / MB:.1f} MB", "upload limit 50 MB (direct)"],
            ["files", f"{files:,}", ""],
        ],
    )
    breakdown = Table(
        ["Largest parts", "Unzipped MB", "Share of the package"],
        [[name, f"{n / MB:.1f}", f"{n / size:.0%}"] for name, n in parts[:6]],
    )
    data: dict[str, Any] = {
        "unzipped_bytes": size,
        "zipped_bytes": zipped,
        "files": files,
        "limit_bytes": LIMIT_BYTES,
        "share_of_limit": share,
        "by_top_level_bytes": dict(parts),
        "platform": LAMBDA_PLATFORM,
        "python": LAMBDA_PYTHON_VERSION,
    }
    return Section(
        key="package_size",
        title=TITLE,
        target=TARGET,
        verdict=MET if size < LIMIT_BYTES else MISSED,
        headline=f"{size / MB:.1f} MB unzipped, {share:.1%} of the limit",
        tables=[table, breakdown],
        notes=[
            (
                f"Built by `infra.bundle.build_lambda_package` for {LAMBDA_PLATFORM}, Python"
                f" {LAMBDA_PYTHON_VERSION}: resolvers/ plus the locked runtime dependencies, no"
                " bytecode. The limit is 262,144,000 bytes (250 MiB), counted unzipped, function"
                " and layers together."
            ),
        ],
        data=data,
    )
