"""What the generic dev stack needs from one application: paths, provisioning, seed and samples."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pathlib import Path


@dataclass(frozen=True)
class SampleUser:
    """A local Cognito user the banner and the playground offer a ready token for."""

    username: str
    groups: tuple[str, ...] = ()
    display_name: str = ""

    @property
    def label(self) -> str:
        groups = f" [{', '.join(self.groups)}]" if self.groups else ""
        return f"{self.display_name or self.username}{groups}"


class Endpoint(Protocol):
    """A running devserver, as a seed function sees it."""

    @property
    def graphql_url(self) -> str: ...

    @property
    def api_key(self) -> str | None: ...

    def token_for(self, user: SampleUser) -> str: ...


Provision = Callable[[Mapping[str, str]], Mapping[str, str]]
Seed = Callable[[Endpoint], object]  # what it returns is ignored


@dataclass(frozen=True)
class LocalProject:
    """One application served by `python -m devserver`; the devserver itself stays generic.

    - `provision(backend_env)` creates tables and runs migrations against the local backends
      (it must be idempotent: it runs on every start) and returns the extra environment the
      handlers need (table names, secrets).
    - `seed(endpoint)` fills a fresh stack through the running API, once.
    - `env_prefix` names the variables that override the CLI defaults (`<PREFIX>_PORT`).
    - `cli_name` is how the developer starts it, for the hints the banner prints.
    - `resource_prefix`: a resource the wiring's event sources name (a table) is called
      `resource_prefix + name` on the local backends.
    """

    name: str
    schema_path: Path
    wiring_path: Path
    provision: Provision
    python_path: tuple[Path, ...] = ()
    watch_paths: tuple[Path, ...] = ()
    seed: Seed | None = None
    sample_users: tuple[SampleUser, ...] = ()
    example_query: str = ""
    env_prefix: str = "DEVSERVER"
    default_port: int = 4000
    cli_name: str = "python -m devserver"
    resource_prefix: str = ""


def load_project(import_path: str) -> LocalProject:
    """`package.module:ATTRIBUTE` → the LocalProject (or a zero-argument factory's result)."""
    module_name, _, attribute = import_path.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"project must be 'package.module:ATTRIBUTE', got {import_path!r}")
    found = getattr(importlib.import_module(module_name), attribute)
    project = found() if callable(found) else found
    if not isinstance(project, LocalProject):
        raise TypeError(f"{import_path} is not a LocalProject")
    return project
