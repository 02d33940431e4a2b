"""Shared e2e fixtures: the tiny fixture API's devserver and clients, and the Potluck target."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from gql import Client
from gql.transport.aiohttp import AIOHTTPTransport

from devserver.app import create_app
from devserver.config import DevServerConfig
from devserver.execution.engine import Engine
from tests.e2e.potluck_target import Target, potluck_target
from tests.e2e.running_server import RunningServer, preserved_environ, start_devserver

TINY = Path(__file__).parent / "fixtures" / "tiny"
TINY_API_KEY = "da2-tinyfixturekey00000000000000"


def tiny_config(state_dir: Path, **overrides: Any) -> DevServerConfig:
    """The tiny notes API (tests/e2e/fixtures/tiny) with a pinned API key."""
    config = DevServerConfig(
        schema_path=TINY / "schema.graphql",
        wiring_path=TINY / "wiring.toml",
        python_path=(TINY,),
        auth_state_dir=state_dir,
        api_key=TINY_API_KEY,
    )
    return replace(config, **overrides)


@pytest.fixture(scope="session")
def tiny_dir() -> Path:
    """The tiny notes API: schema.graphql, wiring.toml and the tiny_api handler package."""
    return TINY


@pytest.fixture(scope="session")
def devserver() -> Callable[..., AbstractContextManager[RunningServer]]:
    """`with devserver(config) as server:` serves any config, e.g. a tmp copy of an API."""
    return start_devserver


@pytest.fixture(scope="session")
def tiny_config_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., DevServerConfig]:
    """`tiny_config_factory(request_timeout_seconds=1)`: the tiny API with other settings."""

    def make(**overrides: Any) -> DevServerConfig:
        return tiny_config(tmp_path_factory.mktemp("tiny-auth"), **overrides)

    return make


@pytest.fixture
def tiny_engine(tiny_config_factory: Callable[..., DevServerConfig]) -> Iterator[Engine]:
    """The tiny API's execution engine without HTTP, for transport-level hooks."""
    with preserved_environ():
        yield create_app(tiny_config_factory()).state.devserver.engine


@pytest.fixture(scope="module")
def tiny_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A devserver serving the tiny API with AppSync's defaults, shared by a test module."""
    with start_devserver(tiny_config(tmp_path_factory.mktemp("tiny-auth"))) as server:
        yield server


@pytest.fixture
def gql_client(tiny_server: RunningServer) -> Client:
    """A gql client for the tiny API, as a frontend would use it."""
    transport = AIOHTTPTransport(
        url=tiny_server.graphql_url, headers={"x-api-key": TINY_API_KEY}, ssl=False
    )
    return Client(transport=transport, fetch_schema_from_transport=False)


@pytest.fixture(scope="module")
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    """Potluck on the devserver, or the deployed stack `POTLUCK_E2E_URL` names (scripts/smoke)."""
    app_stack = None if os.environ.get("POTLUCK_E2E_URL") else request.getfixturevalue("app_stack")
    with potluck_target(app_stack, tmp_path_factory.mktemp("potluck-auth")) as target:
        yield target
