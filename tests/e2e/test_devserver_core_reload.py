"""Hot reload: edits to handler code and to the schema take effect without a restart."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from devserver.config import DevServerConfig

API_KEY = "da2-reloadfixturekey0000000000000"


@pytest.fixture
def tiny_copy(tmp_path: Path, tiny_dir: Path) -> tuple[Path, str]:
    """A private copy of the tiny API, under a package name no other server has imported."""
    package = f"tiny_reload_{uuid.uuid4().hex[:8]}"
    shutil.copytree(tiny_dir / "tiny_api", tmp_path / package)
    shutil.copy(tiny_dir / "schema.graphql", tmp_path / "schema.graphql")
    wiring = (tiny_dir / "wiring.toml").read_text().replace("tiny_api.", f"{package}.")
    (tmp_path / "wiring.toml").write_text(wiring)
    return tmp_path, package


@pytest.fixture
def reloading_server(devserver, tiny_copy: tuple[Path, str]) -> Iterator[Any]:
    root, _ = tiny_copy
    config = DevServerConfig(
        schema_path=root / "schema.graphql",
        wiring_path=root / "wiring.toml",
        python_path=(root,),
        auth_state_dir=root / ".auth",
        api_key=API_KEY,
        hot_reload=True,
        reload_debounce_ms=50,
    )
    with devserver(config) as server:
        yield server


def _eventually(read: Callable[[], Any], expected: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        value = read()
    return value


def test_editing_a_handler_module_takes_effect(reloading_server, tiny_copy) -> None:
    # GIVEN a running server whose plain handler answers "v1"
    root, package = tiny_copy
    assert reloading_server.gql("{ version }")["data"]["version"] == "v1"
    # WHEN the handler's source is edited
    source = root / package / "plain.py"
    source.write_text(source.read_text().replace('VERSION = "v1"', 'VERSION = "v2-edited"'))
    # THEN the next requests get the new behaviour, from the same server
    version = _eventually(
        lambda: reloading_server.gql("{ version }")["data"]["version"], "v2-edited"
    )
    assert version == "v2-edited"
    health = reloading_server.client.get(f"{reloading_server.base_url}/health").json()
    assert health["generation"] >= 1


def test_editing_the_schema_takes_effect(reloading_server, tiny_copy) -> None:
    # GIVEN a running server that does not know Query.motd
    root, _ = tiny_copy
    unknown = reloading_server.gql("{ motd }")
    assert unknown["errors"][0]["message"].startswith("Validation error of type FieldUndefined")
    # WHEN the schema gains the field (unwired, so it resolves to null)
    schema = root / "schema.graphql"
    schema.write_text(schema.read_text().replace("type Query {", "type Query {\n  motd: String"))
    # THEN the field is queryable without a restart
    body = _eventually(lambda: reloading_server.gql("{ motd }"), {"data": {"motd": None}})
    assert body == {"data": {"motd": None}}


def test_a_broken_edit_keeps_the_last_good_runtime(reloading_server, tiny_copy) -> None:
    # GIVEN a running server
    root, package = tiny_copy
    # WHEN a handler module is saved with a syntax error
    (root / package / "plain.py").write_text("def handler(event, context:\n")
    # THEN the server reports the failed reload and keeps serving the previous code
    health = _eventually(
        lambda: (
            reloading_server.client.get(f"{reloading_server.base_url}/health").json()[
                "lastReloadError"
            ]
            is not None
        ),
        expected=True,
    )
    assert health is True
    assert reloading_server.gql("{ version }")["data"]["version"] == "v1"


def test_a_reload_lets_requests_in_flight_finish_on_their_workers(
    reloading_server, tiny_copy
) -> None:
    # GIVEN a slow request running on the plain function's current worker
    root, package = tiny_copy
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(reloading_server.gql, "{ slow(seconds: 5) }")
        # WHEN the handler is edited, and the reload serves new requests meanwhile
        source = root / package / "plain.py"
        source.write_text(source.read_text().replace('VERSION = "v1"', 'VERSION = "v2"'))
        version = _eventually(lambda: reloading_server.gql("{ version }")["data"]["version"], "v2")
        new_worker = reloading_server.gql("{ worker { pid } }")["data"]["worker"]["pid"]
        answer = slow.result(timeout=60)
    # THEN the slow request still finished, on an old worker, and new requests ran on new ones
    assert version == "v2"
    assert "errors" not in answer
    assert int(answer["data"]["slow"].split()[1]) != new_worker
