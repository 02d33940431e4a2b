"""resolvers/ imports nothing but the standard library and its declared runtime dependencies."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).parents[2]
# botocore imports certifi when it happens to be installed and falls back to its own CA bundle
# otherwise, so the Lambda works without it.
OPTIONAL_PROBES = {"certifi"}
ENTRY_POINTS = [
    "resolvers.app",
    "resolvers.store.migrate",
    "resolvers.profiles.post_confirmation",
]


def _runtime_distributions() -> set[str]:
    """The declared runtime dependencies and everything they pull in, transitively."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    pending = [_parse(spec) for spec in declared]
    closure: set[str] = set()
    while pending:
        name, extras = pending.pop()
        if name in closure:
            continue
        closure.add(name)
        for requirement in metadata.requires(name) or []:
            spec, _, marker = requirement.partition(";")
            needs_extra = re.search(r"extra\s*==\s*['\"]([\w.-]+)['\"]", marker)
            if needs_extra and needs_extra.group(1) not in extras:
                continue
            pending.append(_parse(spec))
    return closure


def _parse(spec: str) -> tuple[str, set[str]]:
    match = re.match(r"\s*([A-Za-z0-9_.-]+)\s*(?:\[([^\]]*)\])?", spec)
    assert match, spec
    extras = {extra.strip() for extra in (match.group(2) or "").split(",") if extra.strip()}
    return match.group(1).lower().replace("_", "-"), extras


def _modules_loaded_by(entry_points: list[str]) -> list[str]:
    code = (
        "import importlib, json, sys\n"
        f"for name in {entry_points!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    output = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return list(json.loads(output))


def test_resolvers_import_only_runtime_dependencies() -> None:
    # GIVEN the Lambda entry points and the distributions the Lambda package carries
    allowed = _runtime_distributions()
    owners = metadata.packages_distributions()
    # WHEN they are imported in a fresh interpreter
    loaded = _modules_loaded_by(
        [e for e in ENTRY_POINTS if (ROOT / (e.replace(".", "/") + ".py")).exists()]
    )
    # THEN every top-level module is stdlib, ours, or from a runtime dependency
    foreign = [
        module
        for module in loaded
        if module not in sys.stdlib_module_names
        and module not in {"resolvers", "__main__", "_distutils_hack", *OPTIONAL_PROBES}
        and not module.startswith("_")
        and not {d.lower().replace("_", "-") for d in owners.get(module, [])} & allowed
    ]
    assert foreign == []
    assert "resolvers" in loaded


def test_devserver_never_imports_the_recipe_domain() -> None:
    # GIVEN every module of the generic devserver
    modules = sorted(
        ".".join(path.with_suffix("").relative_to(ROOT).parts)
        for path in (ROOT / "devserver").rglob("*.py")
        if path.name not in {"__main__.py", "pytest_plugin.py"}
    )
    # WHEN all are imported in a fresh interpreter
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {'resolvers', 'localdev'})))\n"
    )
    output = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    # THEN neither Potluck's resolvers nor its local wiring came along
    assert json.loads(output) == []
    assert len(modules) > 40
