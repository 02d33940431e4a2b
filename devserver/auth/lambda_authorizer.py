"""AWS_LAMBDA mode: call a Python authorizer function with AppSync's event and honour its answer."""

from __future__ import annotations

import copy
import importlib
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from devserver.auth.context import AWS_LAMBDA, NOT_AUTHORIZED, AuthContext, Unauthenticated

if TYPE_CHECKING:
    from devserver.auth.config import AuthorizerFunction, LambdaAuthorizerSettings

MAX_TOKEN_LENGTH = 2048
MAX_CONTEXT_BYTES = 5 * 1024 * 1024  # AppSync's limit on the returned resolverContext
_CACHE_SWEEP_SIZE = 1024
_FIELD_ARN = re.compile(
    r"arn:aws[a-z-]*:appsync:[^:]*:[^:]*:apis/[^/]+/types/(?P<type>[^/]+)/fields/(?P<field>[^/]+)"
)
_TYPE_FIELD = re.compile(r"[_A-Za-z]\w*\.[_A-Za-z]\w*")

logger = logging.getLogger(__name__)


@dataclass
class AuthorizerLambdaContext:
    """The parts of a Lambda context object an authorizer commonly reads."""

    function_name: str
    invoked_function_arn: str
    aws_request_id: str
    deadline: float
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    log_group_name: str = field(init=False)
    log_stream_name: str = "local"

    def __post_init__(self) -> None:
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class _Decision:
    authorized: bool
    resolver_context: dict[str, Any]
    denied_fields: frozenset[str]


class LambdaAuthorizer:
    """The API's single Lambda authorizer, with AppSync's per-token result cache."""

    def __init__(
        self, settings: LambdaAuthorizerSettings, *, api_id: str, account_id: str, region: str
    ) -> None:
        self.settings = settings
        self._function = _resolve(settings.handler)
        self._name = getattr(self._function, "__name__", "authorizer")
        self._arn = f"arn:aws:lambda:{region}:{account_id}:function:{self._name}"
        self._api_id = api_id
        self._account_id = account_id
        self._validation = (
            re.compile(settings.identity_validation_expression)
            if settings.identity_validation_expression
            else None
        )
        self._cache: dict[str, tuple[float, _Decision]] = {}
        self._lock = threading.Lock()
        # A function that overruns the timeout cannot be killed; its worker thread finishes
        # in the background while the request has already been answered with a 401.
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lambda-authorizer")

    def authenticate(
        self,
        token: str,
        *,
        headers: Mapping[str, str],
        request_context: Mapping[str, Any] | None,
        now: float,
    ) -> AuthContext:
        """`token` is the raw `Authorization` value; `headers` are lower-cased."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise Unauthenticated(NOT_AUTHORIZED)
        if self._validation is not None and self._validation.fullmatch(token) is None:
            raise Unauthenticated(NOT_AUTHORIZED)  # rejected without invoking, as AppSync does
        decision = self._cached(token, now)
        if decision is None:
            decision, ttl = self._invoke(self._event(token, headers, request_context))
            if ttl > 0:
                self._store(token, decision, now=now, ttl=ttl)
        if not decision.authorized:
            raise Unauthenticated(NOT_AUTHORIZED)
        return AuthContext(
            mode=AWS_LAMBDA,
            # A copy, so a resolver that mutates its identity cannot alter the cached decision.
            identity={"resolverContext": copy.deepcopy(decision.resolver_context)},
            denied_fields=decision.denied_fields,
        )

    def _event(
        self, token: str, headers: Mapping[str, str], request_context: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        context = dict(request_context or {})
        return {
            "authorizationToken": token,
            "requestContext": {
                "apiId": self._api_id,
                "accountId": self._account_id,
                "requestId": context.get("requestId") or str(uuid.uuid4()),
                "queryString": context.get("queryString", ""),
                "operationName": context.get("operationName"),
                "variables": context.get("variables") or {},
            },
            "requestHeaders": {k: v for k, v in headers.items() if k != "cookie"},
        }

    def _invoke(self, event: dict[str, Any]) -> tuple[_Decision, int]:
        timeout = self.settings.timeout_seconds
        context = AuthorizerLambdaContext(
            function_name=self._name,
            invoked_function_arn=self._arn,
            aws_request_id=str(uuid.uuid4()),
            deadline=time.monotonic() + timeout,
        )
        future = self._pool.submit(self._function, event, context)
        try:
            response = future.result(timeout=timeout)
        except FutureTimeout:
            logger.warning("lambda authorizer timed out", extra={"timeout_seconds": timeout})
            raise Unauthenticated(NOT_AUTHORIZED) from None
        except Exception as error:  # an authorizer crash denies the request, never the server
            logger.warning("lambda authorizer failed", extra={"error_type": type(error).__name__})
            raise Unauthenticated(NOT_AUTHORIZED) from error
        return _decision(response), _ttl(response, self.settings.result_ttl_seconds)

    def _cached(self, token: str, now: float) -> _Decision | None:
        with self._lock:
            entry = self._cache.get(token)
        if entry is None or entry[0] <= now:
            return None
        return entry[1]

    def _store(self, token: str, decision: _Decision, *, now: float, ttl: int) -> None:
        with self._lock:
            if len(self._cache) >= _CACHE_SWEEP_SIZE:
                self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            self._cache[token] = (now + ttl, decision)


def normalise_denied_field(entry: str) -> str | None:
    """`Type.field` for either accepted form, or None for anything else.

    The API id inside an ARN is not compared: a deployed authorizer names the cloud API's id,
    which never equals the local one.
    """
    arn = _FIELD_ARN.fullmatch(entry)
    if arn:
        return f"{arn['type']}.{arn['field']}"
    return entry if _TYPE_FIELD.fullmatch(entry) else None


def _decision(response: object) -> _Decision:
    if not isinstance(response, Mapping) or not isinstance(response.get("isAuthorized"), bool):
        logger.warning("lambda authorizer returned no boolean isAuthorized")
        return _Decision(authorized=False, resolver_context={}, denied_fields=frozenset())
    context = response.get("resolverContext") or {}
    denied = response.get("deniedFields") or []
    if (
        not isinstance(context, Mapping)
        or not isinstance(denied, list)
        or len(json.dumps(context, default=str)) > MAX_CONTEXT_BYTES
    ):
        logger.warning("lambda authorizer returned a malformed resolverContext or deniedFields")
        return _Decision(authorized=False, resolver_context={}, denied_fields=frozenset())
    fields = {normalise_denied_field(str(entry)) for entry in denied}
    return _Decision(
        authorized=bool(response["isAuthorized"]),
        resolver_context=dict(context),
        denied_fields=frozenset(name for name in fields if name is not None),
    )


def _ttl(response: object, default: int) -> int:
    override = response.get("ttlOverride") if isinstance(response, Mapping) else None
    if isinstance(override, int) and not isinstance(override, bool) and override >= 0:
        return override
    return default


def _resolve(handler: str | AuthorizerFunction) -> AuthorizerFunction:
    if not isinstance(handler, str):
        return handler
    module_name, sep, attribute = handler.partition(":")
    if not sep:
        module_name, _, attribute = handler.rpartition(".")
    try:
        function = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as error:
        raise ValueError(f"cannot load lambda authorizer {handler!r}: {error}") from error
    if not callable(function):
        raise TypeError(f"lambda authorizer {handler!r} is not callable")
    return function  # type: ignore[no-any-return]
