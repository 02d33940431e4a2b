"""Import the wiring's Lambda handlers (freshly, for hot reload) and give them a Lambda-like env."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devserver.context import FunctionIdentity

if TYPE_CHECKING:
    from devserver.lambda_runtime.pool import FunctionPool
    from devserver.wiring import FunctionConfig, Wiring

Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class LoadedFunction:
    """One wired Lambda function: its config, runtime identity and imported handler.

    `pool` holds its warm worker processes; without one, the handler runs in this process.
    """

    config: FunctionConfig
    identity: FunctionIdentity
    import_path: str
    handler: Handler
    pool: FunctionPool | None = None


def split_import_path(import_path: str) -> tuple[str, str]:
    """`pkg.module.handler` or `pkg.module:handler` → (`pkg.module`, `handler`)."""
    module, sep, attribute = import_path.partition(":")
    if not sep:
        module, _, attribute = import_path.rpartition(".")
    if not module or not attribute:
        raise ValueError(f"handler must be 'module.function', got {import_path!r}")
    return module, attribute


def top_level_package(import_path: str) -> str:
    return split_import_path(import_path)[0].partition(".")[0]


def add_python_path(paths: Iterable[Path]) -> None:
    for path in reversed([str(p.resolve()) for p in paths]):
        if path not in sys.path:
            sys.path.insert(0, path)


def purge_modules(roots: Iterable[str]) -> None:
    """Forget every module of these top-level packages so the next import runs them afresh."""
    names = set(roots)
    for module_name in list(sys.modules):
        if module_name.partition(".")[0] in names:
            del sys.modules[module_name]
    importlib.invalidate_caches()


def drop_stale_bytecode(changed: Iterable[Path]) -> None:
    """Delete cached bytecode of edited sources.

    Python trusts a .pyc whose recorded source mtime (whole seconds) and size still match, so
    an edit within the same second that keeps the size would otherwise be ignored.
    """
    for path in changed:
        if path.suffix == ".py":
            with contextlib.suppress(OSError, ValueError):
                Path(importlib.util.cache_from_source(str(path))).unlink()


def source_dir(import_path: str) -> Path | None:
    """Where the handler's top-level package (or lone module) lives, to watch it for edits."""
    spec = importlib.util.find_spec(top_level_package(import_path))
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(spec.origin) if spec.origin else None


def handler_paths(wiring: Wiring, overrides: Mapping[str, str]) -> dict[str, str]:
    return {name: overrides.get(name, fn.handler) for name, fn in wiring.functions.items()}


def load_functions(
    wiring: Wiring, overrides: Mapping[str, str], *, region: str, account_id: str
) -> dict[str, LoadedFunction]:
    """Import each function's handler. Modules already imported are reused: purge to reload."""
    loaded = {}
    for name, import_path in handler_paths(wiring, overrides).items():
        module_name, attribute = split_import_path(import_path)
        handler = getattr(importlib.import_module(module_name), attribute)
        if not callable(handler):
            raise TypeError(f"{import_path} is not callable")
        config = wiring.functions[name]
        loaded[name] = LoadedFunction(
            config=config,
            identity=FunctionIdentity.create(config, region=region, account_id=account_id),
            import_path=import_path,
            handler=handler,
        )
    return loaded


def lambda_environment(wiring: Wiring, *, region: str, extra: Mapping[str, str]) -> dict[str, str]:
    """The variables the Lambda runtime (and infra) would set, for Powertools and boto3.

    Handlers share this process, so there is one environment: the per-function values come
    from the first function (its context object still carries its own name).
    """
    env = {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "POWERTOOLS_SERVICE_NAME": wiring.api.name,
        "POWERTOOLS_METRICS_NAMESPACE": wiring.api.name,
        # Outside Lambda there is no X-Ray daemon; Powertools' Tracer would also disable
        # itself without LAMBDA_TASK_ROOT, but saying so avoids depending on that detection.
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    first = next(iter(wiring.functions.values()), None)
    if first is not None:
        env |= {
            "AWS_LAMBDA_FUNCTION_NAME": first.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(first.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{first.name}",
        }
    return env | dict(extra)


def function_environment(
    function: FunctionConfig, *, explicit: Mapping[str, str]
) -> dict[str, str]:
    """This process's environment as one function's own container would see it."""
    own = {
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
    }
    return dict(os.environ) | own | dict(explicit)


def apply_environment(env: Mapping[str, str], *, explicit: Mapping[str, str]) -> None:
    """Set defaults without clobbering what the developer exported; explicit values win."""
    for key, value in env.items():
        if key in explicit:
            os.environ[key] = value
        else:
            os.environ.setdefault(key, value)
