"""Load the AppSync wiring file: API auth modes, Lambda functions and resolved fields."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

AUTH_MODES = frozenset(
    {"API_KEY", "AWS_IAM", "AMAZON_COGNITO_USER_POOLS", "OPENID_CONNECT", "AWS_LAMBDA"}
)
MAX_BATCH_SIZE = 2000  # AppSync's own ceiling for maxBatchSize
# Local only: warm workers per function (Lambda's concurrency). A few suit a laptop's cores and
# memory; each worker is a process holding the handler's imports.
DEFAULT_CONCURRENCY = 4


class WiringError(ValueError):
    """The wiring file is malformed."""


@dataclass(frozen=True)
class ApiConfig:
    name: str
    default_auth: str
    additional_auth: tuple[str, ...]
    admin_group: str
    api_key_expiry_days: int

    @property
    def auth_modes(self) -> tuple[str, ...]:
        return (self.default_auth, *self.additional_auth)


@dataclass(frozen=True)
class FunctionConfig:
    name: str
    handler: str
    memory_mb: int
    timeout_seconds: int
    concurrency: int = DEFAULT_CONCURRENCY
    # errorTypes that are the client's fault (NotFound, ValidationError …): the devserver logs
    # them in one line, and keeps the traceback for every other error.
    expected_errors: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FieldResolver:
    type_name: str
    field_name: str
    function: str
    max_batch_size: int

    @property
    def key(self) -> str:
        return f"{self.type_name}.{self.field_name}"


@dataclass(frozen=True)
class Wiring:
    api: ApiConfig
    functions: dict[str, FunctionConfig]
    resolvers: tuple[FieldResolver, ...]

    def resolver_for(self, type_name: str, field_name: str) -> FieldResolver | None:
        return self._by_key().get(f"{type_name}.{field_name}")

    def _by_key(self) -> dict[str, FieldResolver]:
        return {resolver.key: resolver for resolver in self.resolvers}


def load_wiring(path: Path) -> Wiring:
    """Parse and validate a wiring TOML file."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    api = _parse_api(raw.get("api", {}))
    functions = {
        name: FunctionConfig(
            name=name,
            handler=_require_str(spec, "handler"),
            memory_mb=int(spec.get("memory_mb", 1024)),
            timeout_seconds=int(spec.get("timeout_seconds", 30)),
            concurrency=_concurrency(name, spec),
            expected_errors=frozenset(str(kind) for kind in spec.get("expected_errors", [])),
        )
        for name, spec in raw.get("functions", {}).items()
    }
    resolvers = tuple(_parse_resolver(spec, functions) for spec in raw.get("resolvers", []))
    keys = [resolver.key for resolver in resolvers]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise WiringError(f"fields wired more than once: {', '.join(duplicates)}")
    return Wiring(api=api, functions=functions, resolvers=resolvers)


def _parse_api(spec: dict[str, Any]) -> ApiConfig:
    default_auth = str(spec.get("default_auth", "API_KEY"))
    additional = tuple(str(mode) for mode in spec.get("additional_auth", []))
    unknown = {default_auth, *additional} - AUTH_MODES
    if unknown:
        raise WiringError(f"unknown auth modes: {', '.join(sorted(unknown))}")
    return ApiConfig(
        name=str(spec.get("name", "api")),
        default_auth=default_auth,
        additional_auth=additional,
        admin_group=str(spec.get("admin_group", "admins")),
        api_key_expiry_days=int(spec.get("api_key_expiry_days", 7)),
    )


def _parse_resolver(spec: dict[str, Any], functions: dict[str, FunctionConfig]) -> FieldResolver:
    type_name, _, field_name = _require_str(spec, "field").partition(".")
    if not type_name or not field_name:
        raise WiringError(f"field must be 'Type.field', got {spec.get('field')!r}")
    function = _require_str(spec, "function")
    if function not in functions:
        raise WiringError(f"{type_name}.{field_name}: unknown function {function!r}")
    max_batch_size = int(spec.get("max_batch_size", 0))
    if not 0 <= max_batch_size <= MAX_BATCH_SIZE:
        raise WiringError(f"{type_name}.{field_name}: max_batch_size must be 0..{MAX_BATCH_SIZE}")
    if type_name == "Mutation" and max_batch_size:
        raise WiringError(f"{type_name}.{field_name}: AppSync never batches root mutations")
    return FieldResolver(type_name, field_name, function, max_batch_size)


def _concurrency(name: str, spec: dict[str, Any]) -> int:
    concurrency = int(spec.get("concurrency", DEFAULT_CONCURRENCY))
    if concurrency < 1:
        raise WiringError(f"functions.{name}: concurrency must be at least 1")
    return concurrency


def _require_str(spec: dict[str, Any], key: str) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or not value:
        raise WiringError(f"missing or empty {key!r} in {spec!r}")
    return value
