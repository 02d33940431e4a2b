"""Load the AppSync wiring file: API auth modes, Lambda functions, resolved fields and event sources."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

AUTH_MODES = frozenset(
    {"API_KEY", "AWS_IAM", "AMAZON_COGNITO_USER_POOLS", "OPENID_CONNECT", "AWS_LAMBDA"}
)
MAX_BATCH_SIZE = 2000  # AppSync's own ceiling for maxBatchSize
# AppSync's resolverCountLimit: 1..10,000 resolver executions per request; 0 means the default.
MAX_RESOLVER_COUNT_LIMIT = 10_000
# Each kind of event source names its resource with its own key (a table, a bucket).
EVENT_SOURCE_RESOURCE = {"dynamodb_stream": "table", "s3": "bucket"}
# S3 invokes its function asynchronously, one record per event: Lambda retries such an event
# at most twice and keeps it at most six hours.
S3_MAX_RETRY_ATTEMPTS = 2
S3_MAX_EVENT_AGE_SECONDS = 21_600
S3_EVENT_PREFIXES = ("s3:ObjectCreated:", "s3:ObjectRemoved:")
STARTING_POSITIONS = frozenset({"TRIM_HORIZON", "LATEST"})
ON_FAILURE_KINDS = frozenset({"sqs"})
MAX_STREAM_BATCH_SIZE = 10_000  # Lambda's ceiling for DynamoDB streams
MAX_FILTERS = 5  # Lambda's default quota of filters per event source mapping
MAX_RECORD_AGE_SECONDS = 604_800  # a week: Lambda's ceiling (-1 means no limit)
MAX_RETRY_ATTEMPTS = 10_000  # Lambda's ceiling (-1 means retry until the record expires)
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
    resolver_count_limit: int = MAX_RESOLVER_COUNT_LIMIT  # the effective limit: never 0

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
class EventSource:
    """An event source mapping: which records reach `function`, in what batches, how retried.

    The fields follow Lambda's EventSourceMapping. `filters` are Lambda filter patterns (parsed
    JSON); a record that matches none of them never reaches the function. `on_failure` names
    the kind of destination for batches that exhaust their retries ("sqs"), or is empty.
    """

    function: str
    kind: str
    resource: str
    batch_size: int = 100
    starting_position: str = "TRIM_HORIZON"
    filters: tuple[dict[str, Any], ...] = ()
    maximum_retry_attempts: int = -1
    maximum_record_age_seconds: int = -1
    bisect_batch_on_error: bool = False
    report_batch_item_failures: bool = True
    maximum_batching_window_seconds: int = 0
    on_failure: str = ""
    # s3 only: which keys (S3's prefix and suffix filter rules) and which event types.
    prefix: str = ""
    suffix: str = ""
    events: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.resource}->{self.function}"


@dataclass(frozen=True)
class Wiring:
    api: ApiConfig
    functions: dict[str, FunctionConfig]
    resolvers: tuple[FieldResolver, ...]
    event_sources: tuple[EventSource, ...] = ()

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
    sources = tuple(_parse_event_source(spec, functions) for spec in raw.get("event_sources", []))
    return Wiring(api=api, functions=functions, resolvers=resolvers, event_sources=sources)


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
        resolver_count_limit=_resolver_count_limit(spec.get("resolver_count_limit", 0)),
    )


def _resolver_count_limit(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise WiringError(f"resolver_count_limit must be a whole number, got {value!r}")
    if not 0 <= value <= MAX_RESOLVER_COUNT_LIMIT:
        raise WiringError(
            f"resolver_count_limit must be 1..{MAX_RESOLVER_COUNT_LIMIT} (0: AppSync's default "
            f"{MAX_RESOLVER_COUNT_LIMIT}), got {value}"
        )
    return value or MAX_RESOLVER_COUNT_LIMIT


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


def _parse_event_source(spec: dict[str, Any], functions: dict[str, FunctionConfig]) -> EventSource:
    kind = _require_str(spec, "kind")
    if kind not in EVENT_SOURCE_RESOURCE:
        raise WiringError(f"event source kind must be one of {sorted(EVENT_SOURCE_RESOURCE)}")
    resource = _require_str(spec, EVENT_SOURCE_RESOURCE[kind])
    function = _require_str(spec, "function")
    label = f"event source {kind}:{resource}"
    if function not in functions:
        raise WiringError(f"{label}: unknown function {function!r}")
    if kind == "s3":
        return _parse_s3_source(spec, function, resource, label)
    source = EventSource(
        function=function,
        kind=kind,
        resource=resource,
        batch_size=int(spec.get("batch_size", 100)),
        starting_position=str(spec.get("starting_position", "TRIM_HORIZON")),
        filters=tuple(_parse_filter(label, text) for text in spec.get("filters", [])),
        maximum_retry_attempts=int(spec.get("maximum_retry_attempts", -1)),
        maximum_record_age_seconds=int(spec.get("maximum_record_age_seconds", -1)),
        bisect_batch_on_error=bool(spec.get("bisect_batch_on_error", False)),
        report_batch_item_failures=bool(spec.get("report_batch_item_failures", True)),
        maximum_batching_window_seconds=int(spec.get("maximum_batching_window_seconds", 0)),
        on_failure=str(spec.get("on_failure", "")),
    )
    _check_limits(label, source)
    return source


def _parse_s3_source(spec: dict[str, Any], function: str, bucket: str, label: str) -> EventSource:
    """An S3 event notification: one record per asynchronous invoke, no stream settings."""
    unsupported = sorted(
        set(spec) & {"batch_size", "starting_position", "filters", "bisect_batch_on_error"}
    )
    if unsupported:
        raise WiringError(f"{label}: S3 notifications have no {', '.join(unsupported)}")
    events = tuple(str(event) for event in spec.get("events", ["s3:ObjectCreated:*"]))
    source = EventSource(
        function=function,
        kind="s3",
        resource=bucket,
        batch_size=1,
        maximum_retry_attempts=int(spec.get("maximum_retry_attempts", S3_MAX_RETRY_ATTEMPTS)),
        maximum_record_age_seconds=int(
            spec.get("maximum_record_age_seconds", S3_MAX_EVENT_AGE_SECONDS)
        ),
        report_batch_item_failures=False,
        on_failure=str(spec.get("on_failure", "")),
        prefix=str(spec.get("prefix", "")),
        suffix=str(spec.get("suffix", "")),
        events=events,
    )
    problems = []
    if not events or not all(event.startswith(S3_EVENT_PREFIXES) for event in events):
        problems.append(f"events must name S3 event types starting with {S3_EVENT_PREFIXES}")
    if not 0 <= source.maximum_retry_attempts <= S3_MAX_RETRY_ATTEMPTS:
        problems.append(f"maximum_retry_attempts must be 0..{S3_MAX_RETRY_ATTEMPTS}")
    if not 60 <= source.maximum_record_age_seconds <= S3_MAX_EVENT_AGE_SECONDS:  # noqa: PLR2004
        problems.append(f"maximum_record_age_seconds must be 60..{S3_MAX_EVENT_AGE_SECONDS}")
    if source.on_failure and source.on_failure not in ON_FAILURE_KINDS:
        problems.append(f"on_failure must be one of {sorted(ON_FAILURE_KINDS)}")
    if problems:
        raise WiringError(f"{label}: {'; '.join(problems)}")
    return source


def _check_limits(label: str, source: EventSource) -> None:
    problems = []
    if not 1 <= source.batch_size <= MAX_STREAM_BATCH_SIZE:
        problems.append(f"batch_size must be 1..{MAX_STREAM_BATCH_SIZE}")
    if source.starting_position not in STARTING_POSITIONS:
        problems.append(f"starting_position must be one of {sorted(STARTING_POSITIONS)}")
    if len(source.filters) > MAX_FILTERS:
        problems.append(f"at most {MAX_FILTERS} filters")
    if not -1 <= source.maximum_retry_attempts <= MAX_RETRY_ATTEMPTS:
        problems.append(f"maximum_retry_attempts must be -1..{MAX_RETRY_ATTEMPTS}")
    age = source.maximum_record_age_seconds
    if age != -1 and not 60 <= age <= MAX_RECORD_AGE_SECONDS:  # noqa: PLR2004 - Lambda's floor
        problems.append(f"maximum_record_age_seconds must be -1 or 60..{MAX_RECORD_AGE_SECONDS}")
    if source.on_failure and source.on_failure not in ON_FAILURE_KINDS:
        problems.append(f"on_failure must be one of {sorted(ON_FAILURE_KINDS)}")
    if problems:
        raise WiringError(f"{label}: {'; '.join(problems)}")


def _parse_filter(label: str, text: Any) -> dict[str, Any]:
    try:
        pattern = json.loads(text) if isinstance(text, str) else None
    except ValueError as error:
        raise WiringError(f"{label}: a filter is not valid JSON: {error}") from None
    if not isinstance(pattern, dict) or not pattern:
        raise WiringError(f"{label}: each filter must be a JSON object pattern, got {text!r}")
    return pattern


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
