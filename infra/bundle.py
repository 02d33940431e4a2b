"""Build a Lambda package: `resolvers/` plus its runtime dependencies, for arm64, without Docker.

The API's package carries `[project.dependencies]` only. A function with heavier needs (the
thumbnail function's Pillow) gets its own package: the same sources plus its dependency group
(`--group thumbnails`), so the API's package and cold start never grow.

`cdk synth` never runs this: installing wheels needs the package index, and synth stays offline.
`scripts/deploy` builds first (`python -m infra.bundle DIR`) and hands DIR to the app as context.
Without a build, the app falls back to a source-only package (what the tests synthesize).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from infra.config import LAMBDA_PLATFORM, LAMBDA_PYTHON_VERSION, REPO_ROOT, RESOLVERS_DIR

DEFAULT_BUILD_DIR = REPO_ROOT / "infra" / ".build" / "lambda"
THUMBNAILS_GROUP = "thumbnails"
# Written into every build, so a rebuild only ever deletes a directory this module made.
BUILD_MARKER = ".potluck-lambda-build"
# Caches and tests are dead weight in the package; the wiring TOML stays, it is tiny and
# resolvers code may read it.
SOURCE_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "test_*.py", "conftest.py")


class BuildError(RuntimeError):
    """The Lambda package could not be built."""


def copy_sources(out_dir: Path) -> Path:
    """Copy `resolvers/` into `out_dir`: the package root holds the `resolvers` import package."""
    shutil.copytree(RESOLVERS_DIR, out_dir / RESOLVERS_DIR.name, ignore=SOURCE_IGNORE)
    return out_dir


def export_requirements_command(output: Path, groups: tuple[str, ...] = ()) -> list[str]:
    """`uv export` of `[project.dependencies]` (plus `groups`), pinned and hashed from uv.lock."""
    return [
        _uv(),
        "export",
        "--frozen",
        "--no-default-groups",
        "--no-emit-project",
        *(option for group in groups for option in ("--group", group)),
        "--format",
        "requirements-txt",
        "--output-file",
        str(output),
        "--quiet",
    ]


def install_command(requirements: Path, target: Path) -> list[str]:
    """Install wheels for the Lambda's platform and Python, whatever this machine runs."""
    return [
        _uv(),
        "pip",
        "install",
        "--target",
        str(target),
        "--requirement",
        str(requirements),
        "--python-platform",
        LAMBDA_PLATFORM,
        "--python-version",
        LAMBDA_PYTHON_VERSION,
        # Wheels only: an sdist would compile for this machine, not for Lambda's arm64.
        "--only-binary",
        ":all:",
        "--no-deps",
        "--quiet",
    ]


def compile_command(package_dir: Path) -> list[str]:
    """Byte-compile the package with the Lambda runtime's own Python version.

    `/var/task` is read-only, so a package without bytecode is compiled again on every cold
    start: the benchmarks measured 3.5 times the boto3-only floor instead of 1.5. `.pyc` files are
    tied to a CPython version, so uv provides (and if needed downloads) that interpreter.
    Unchecked hashes: the files never change after deploy, so Python need not stat the sources.
    """
    return [
        _uv(),
        "run",
        "--no-project",
        "--python",
        LAMBDA_PYTHON_VERSION,
        "python",
        "-m",
        "compileall",
        "-q",
        "-j",
        "0",
        "--invalidation-mode",
        "unchecked-hash",
        str(package_dir),
    ]


def build_lambda_package(
    out_dir: Path,
    *,
    with_dependencies: bool = True,
    bytecode: bool = True,
    groups: tuple[str, ...] = (),
) -> Path:
    """Build the package into `out_dir` (replacing an earlier build there) and return it.

    `bytecode` compiles it for the runtime's Python (only with dependencies: the source-only
    package is for synth and tests, never for deploy).
    """
    _clear(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / BUILD_MARKER).write_text("built by infra/bundle.py\n", encoding="utf-8")
    if with_dependencies:
        with tempfile.TemporaryDirectory() as scratch:
            requirements = Path(scratch) / "requirements.txt"
            _run(export_requirements_command(requirements, groups))
            _run(install_command(requirements, out_dir))
        # Bytecode compiled by the install is for this machine's Python, not Lambda's (it is
        # recompiled below); console scripts point at this machine's interpreter; uv's lock
        # file is build state.
        for leftover in [*out_dir.rglob("__pycache__"), out_dir / "bin", out_dir / ".lock"]:
            if leftover.is_dir():
                shutil.rmtree(leftover)
            elif leftover.exists():
                leftover.unlink()
    copy_sources(out_dir)
    if with_dependencies and bytecode:
        _run(compile_command(out_dir))
    return out_dir


def unzipped_size(package_dir: Path) -> int:
    """Bytes of every file in the package, the number Lambda's 250 MB unzipped limit counts."""
    return sum(path.stat().st_size for path in package_dir.rglob("*") if path.is_file())


def _clear(out_dir: Path) -> None:
    if not out_dir.exists():
        return
    if any(out_dir.iterdir()) and not (out_dir / BUILD_MARKER).exists():
        raise BuildError(f"{out_dir} is not empty and was not built here; refusing to delete it")
    shutil.rmtree(out_dir)


def _uv() -> str:
    beside_python = Path(sys.executable).parent / "uv"
    found = str(beside_python) if beside_python.exists() else shutil.which("uv")
    if found is None:
        raise BuildError("uv not found: install it or run through `uv run`")
    return found


def _run(command: list[str]) -> None:
    result = subprocess.run(command, cwd=REPO_ROOT, check=False)  # noqa: S603 - argv built here
    if result.returncode:
        raise BuildError(f"command failed ({result.returncode}): {' '.join(command)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_BUILD_DIR)
    parser.add_argument("--source-only", action="store_true", help="skip the dependencies")
    parser.add_argument(
        "--group",
        action="append",
        default=[],
        help="add a dependency group (e.g. thumbnails) to the package",
    )
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="skip compiling for the runtime's Python (slower cold starts)",
    )
    args = parser.parse_args(argv)
    package = build_lambda_package(
        args.out_dir.resolve(),
        with_dependencies=not args.source_only,
        bytecode=not args.no_bytecode,
        groups=tuple(args.group),
    )
    size_mb = unzipped_size(package) / 1_000_000
    print(f"built {package} ({size_mb:.1f} MB unzipped)", file=sys.stderr)  # noqa: T201
    print(package)  # noqa: T201 - the path is the output, for scripts
    return 0


if __name__ == "__main__":
    sys.exit(main())
