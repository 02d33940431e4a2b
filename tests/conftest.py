"""Session-wide fixtures: one set of real local backends, and the app wired to them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devserver.backends.stack import LocalBackends
from resolvers.bootstrap import set_container
from tests.support.invoke import Invoke, invoke_handler
from tests.support.stack import AppStack, start_app_stack

pytest_plugins = ["devserver.backends.pytest_plugin"]


@pytest.fixture(scope="session")
def app_stack(local_backends: LocalBackends) -> Iterator[AppStack]:
    stack = start_app_stack(local_backends)
    yield stack
    set_container(None)


@pytest.fixture
def invoke(app_stack: AppStack) -> Invoke:
    """Call the Lambda handler in process against the local backends."""
    return invoke_handler
