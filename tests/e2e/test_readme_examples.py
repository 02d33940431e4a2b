"""Every shell and Python block of the README runs as written against a running devserver.

The blocks run in order in one bash session, as a reader pastes them into one terminal (an
`eval` or `export` in one block serves the next); Python blocks run with the project's Python
in that session's environment. A block the test cannot run says why in an HTML comment on the
line before it (`<!-- README test: not run (reason) -->`), which readers never see.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.devserver_fixtures import REPO, dev_stack, new_root, remove_root

README = REPO / "README.md"
RUNNABLE = {"sh", "bash", "python"}
NOT_RUN = re.compile(r"<!-- README test: not run \((?P<reason>[^)]+)\) -->")
FENCE = re.compile(
    r"^(?P<indent> *)```(?P<lang>\w*)\n(?P<body>.*?)^(?P=indent)```$", re.MULTILINE | re.DOTALL
)
RUN_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Block:
    line: int
    lang: str
    body: str
    not_run: str | None  # the reason, if the README says the test cannot run it


def readme_blocks(text: str) -> list[Block]:
    blocks = []
    for match in FENCE.finditer(text):
        if match.group("lang") not in RUNNABLE:
            continue
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = NOT_RUN.search(before)
        indent = match.group("indent")
        body = "".join(line.removeprefix(indent) for line in match.group("body").splitlines(True))
        blocks.append(
            Block(
                line=text.count("\n", 0, match.start()) + 1,
                lang=match.group("lang"),
                body=body,
                not_run=marker.group("reason") if marker else None,
            )
        )
    return blocks


def session_script(blocks: list[Block]) -> str:
    """One bash script: each block in order, announcing itself so a failure names its line."""
    parts = ["set -euo pipefail"]
    for block in blocks:
        parts.append(f"echo '>>> README.md:{block.line}' >&2")
        if block.lang == "python":
            parts.append(f".venv/bin/python - <<'README_PYTHON'\n{block.body}README_PYTHON")
        else:
            parts.append(block.body)
    return "\n".join(parts) + "\n"


RECIPE = """mutation { createRecipe(input: {
  title: "README Risotto", ingredients: [{name: "rice"}], steps: ["Stir."],
  servings: 2, prepMinutes: 5, cookMinutes: 20
}) { id } }"""


@pytest.fixture(scope="module")
def readme_stack():
    """A stack of its own (the examples comment and rate, which the shared seeded one must not
    see), with one recipe instead of the whole seed, which would only cost time."""
    root = new_root()
    try:
        with dev_stack(root, "--no-seed") as stack:
            stack.data(RECIPE, as_user="chloe")
            yield stack
    finally:
        remove_root(root)


def test_every_example_the_test_skips_says_why() -> None:
    blocks = readme_blocks(README.read_text())
    # THEN the README has examples to run, and every skipped one names a reason
    assert sum(block.not_run is None for block in blocks) >= 5
    for block in blocks:
        assert block.not_run is None or block.not_run.strip(), block.line


def test_the_readme_examples_run_as_written(readme_stack, tmp_path: Path) -> None:
    runnable = [block for block in readme_blocks(README.read_text()) if block.not_run is None]
    # GIVEN a running devserver, found only through its root, as `scripts/dev` leaves it
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"API_KEY", "ID_TOKEN", "GRAPHQL_URL", "REALTIME_URL"}
    }
    env["POTLUCK_ROOT"] = str(readme_stack.root)
    script = tmp_path / "readme.sh"
    script.write_text(session_script(runnable))
    # WHEN the README's blocks run in one shell, in order
    result = subprocess.run(  # noqa: S603 - bash on a script built from our own README
        ["/bin/bash", str(script)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )
    # THEN every block succeeds, no answer carries an error, and the live comment arrived
    assert result.returncode == 0, f"{result.stderr}\n{result.stdout}"
    assert '"errors"' not in result.stdout, result.stdout
    assert "Live on" in result.stdout, result.stdout
    assert "Made this tonight: lovely!" in result.stdout
    assert '"stars":5' in result.stdout.replace(" ", "")
