"""The devserver's settings: which schema, wiring and handlers to serve, and how AppSync-like to be."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from devserver.auth import DEFAULT_ACCOUNT_ID, DEFAULT_REGION, DEFAULT_STATE_DIR

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from devserver.auth import AuthConfig
    from devserver.events.service import EventsConfig

APPSYNC_TIMEOUT_SECONDS = 30.0  # AppSync's hard limit per request (semantics §8)


@dataclass(frozen=True)
class DevServerConfig:
    """Everything `create_app` needs. Only the schema and wiring paths are required.

    - `handlers` overrides a wiring function's handler import path (`{"api": "pkg.mod.fn"}`).
    - `python_path` is prepended to `sys.path` so handler packages import (e.g. the repo root).
    - `error_type_style`: "exception" reports a Lambda error's exception class name as
      `errorType` (AppSync's documented Direct-resolver behaviour); "lambda_unhandled" reports
      `Lambda:Unhandled` as older, template-based setups do (semantics §1.4).
    - `in_process`: run handlers on threads of the devserver's own process, for a debugger's
      breakpoints, instead of in warm worker processes (`devserver.lambda_runtime`). In-process
      handlers share one module state and environment, and neither the function timeout nor
      the memory size is enforced.
    - `lambda_concurrency`: in-process only, concurrent invocations per function. 1 mirrors one
      warm container; more is unsafe for handlers that keep per-event state in module globals
      (Powertools' `AppSyncResolver` does). Worker processes follow each function's
      `concurrency` in the wiring instead.
    - `auth_config` replaces the auth settings derived from the wiring (`api_key` pins the
      API key's value, `auth_state_dir` holds the local signing key and API key).
    - `handler_env` is exported for the handlers, over the Lambda-like defaults.
    - `events` turns on the wiring's event sources (stream polling and delivery); None: off.
    - `backend_health` reports the local backends' states for `/health` (name -> details with
      a `state` of "ok" when healthy); a backend not "ok" makes `/health` answer 503.
    """

    schema_path: Path
    wiring_path: Path
    handlers: Mapping[str, str] = field(default_factory=dict)
    python_path: tuple[Path, ...] = ()
    request_timeout_seconds: float = APPSYNC_TIMEOUT_SECONDS
    hot_reload: bool = False
    watch_paths: tuple[Path, ...] = ()
    reload_debounce_ms: int = 150
    error_type_style: str = "exception"
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT_ID
    auth_state_dir: Path = DEFAULT_STATE_DIR
    api_key: str | None = None
    auth_config: AuthConfig | None = None
    handler_env: Mapping[str, str] = field(default_factory=dict)
    in_process: bool = False
    max_workers: int = 8
    lambda_concurrency: int = 1
    document_cache_size: int = 512
    events: EventsConfig | None = None
    backend_health: Callable[[], Mapping[str, Mapping[str, object]]] | None = None
