"""Invoke a Lambda handler in-process the way AppSync's synchronous `Invoke` would.

The event crosses a JSON boundary in both directions, as it does on AWS: the handler gets fresh
objects it may mutate, and a result Lambda could not marshal fails the same way
(`Runtime.MarshalError`). Decimals encode as numbers, as awslambdaric does for DynamoDB items.
Handlers run on each function's own threads (`devserver.workers`) so the event loop keeps
serving, one invocation at a time per function by default: a warm Lambda container never runs
two events at once, and Powertools' resolvers keep the current event on a module-level object.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from devserver.context import LambdaContext
from devserver.errors import (
    LAMBDA_UNHANDLED,
    UNAUTHORIZED_EXCEPTION,
    UNAUTHORIZED_MESSAGE,
    ExecutionTimeoutError,
    FieldError,
)
from devserver.eventjson import encode_json
from devserver.workers import FunctionWorkers, Job

if TYPE_CHECKING:
    from collections.abc import Callable

    from devserver.loader import LoadedFunction

logger = logging.getLogger("devserver.invoke")

ERROR_STYLES = frozenset({"exception", "lambda_unhandled"})


@dataclass(frozen=True)
class _Outcome:
    payload: Any = None
    error_type: str | None = None
    error_message: str = ""


def _encode_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# Built once: `json.dumps` with any option builds a new encoder per call. Compact separators
# only shorten text that is decoded straight back.
_encode_event = encode_json
_encode_result = json.JSONEncoder(separators=(",", ":"), default=_encode_default).encode


def _run_handler(function: LoadedFunction, event_json: str, deadline_epoch_ms: int) -> _Outcome:
    # Made when the handler starts, as Lambda counts the function's timeout from there.
    context = LambdaContext(function.identity, deadline_epoch_ms=deadline_epoch_ms)
    event = json.loads(event_json)
    started = time.perf_counter()
    try:
        result = function.handler(event, context)
    except Exception as error:
        # The runtime prints the traceback to the function's log; here that is the server log.
        logger.exception(
            "[ERROR] %s in function %s (request %s)",
            type(error).__name__,
            function.config.name,
            context.aws_request_id,
        )
        return _Outcome(error_type=type(error).__name__, error_message=str(error))
    except SystemExit as error:
        return _Outcome(
            error_type="Runtime.ExitError",
            error_message=f"RequestId: {context.aws_request_id} Error: Runtime exited with error:"
            f" exit status {error.code}",
        )
    finally:
        logger.debug(
            "invoked %s in %.1f ms (request=%s)",
            function.config.name,
            (time.perf_counter() - started) * 1000,
            context.aws_request_id,
        )
    try:
        return _Outcome(payload=json.loads(_encode_result(result)))
    except (TypeError, ValueError) as error:
        return _Outcome(
            error_type="Runtime.MarshalError",
            error_message=f"Unable to marshal response: {error}",
        )


class Invoker:
    """Runs handlers off the event loop, within the request's deadline, one event per function."""

    def __init__(self, *, max_workers: int, concurrency: int, error_style: str) -> None:
        if error_style not in ERROR_STYLES:
            raise ValueError(f"error_style must be one of {sorted(ERROR_STYLES)}")
        self._threads = min(concurrency, max_workers)
        self._pool = threading.BoundedSemaphore(max_workers)
        self._workers: dict[str, FunctionWorkers] = {}
        self._error_style = error_style

    def close(self) -> None:
        for workers in self._workers.values():
            workers.close()

    async def invoke(
        self,
        function: LoadedFunction,
        payload: Any,
        *,
        deadline: float,
        deadline_epoch_ms: int,
        encode: Callable[[Any], str] = _encode_event,
    ) -> Any:
        """The handler's decoded result; a function error or timeout raises `FieldError`.

        `encode` must give the text `_encode_event` would (a request passes its `EventEncoder`).
        """
        loop = asyncio.get_running_loop()
        event_json = encode(payload)
        name = function.config.name
        workers = self._workers.get(name)
        if workers is None:
            workers = self._workers[name] = FunctionWorkers(name, self._threads, self._pool)
        future: asyncio.Future[_Outcome] = loop.create_future()

        def done(outcome: Any, error: BaseException | None) -> None:
            timer.cancel()
            if future.done():  # timed out or cancelled: the handler ran on regardless
                return
            if isinstance(error, asyncio.CancelledError):
                future.cancel()
            elif error is not None:
                future.set_exception(error)
            else:
                future.set_result(outcome)

        job = Job(loop, partial(_run_handler, function, event_json, deadline_epoch_ms), done)
        timer = loop.call_at(deadline, _expire, future, job)
        workers.submit(job)
        try:
            outcome = await future
        except asyncio.CancelledError:
            job.abandoned = True  # still queued: it never runs, like a wait for a slot cut short
            timer.cancel()
            raise
        if outcome.error_type is not None:
            raise self.function_error(outcome.error_type, outcome.error_message)
        return outcome.payload

    def function_error(self, error_type: str, message: str) -> FieldError:
        """How AppSync reports a Lambda function error on a Direct resolver (semantics §1.4)."""
        if self._error_style == "lambda_unhandled":
            # Behind a mapping template the exception's name never reaches AppSync's own
            # UnauthorizedException handling, so the message is kept too.
            return FieldError(LAMBDA_UNHANDLED, message)
        if error_type == UNAUTHORIZED_EXCEPTION:
            message = UNAUTHORIZED_MESSAGE
        return FieldError(error_type, message)


def _expire(future: asyncio.Future[Any], job: Job) -> None:
    # A timer on the future is cheaper than `asyncio.timeout_at`, which cancels the task.
    if not future.done():
        job.abandoned = True  # still queued: it never runs, like an invoke that never got a slot
        future.set_exception(ExecutionTimeoutError())
