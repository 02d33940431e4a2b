"""Invoke a Lambda handler the way AppSync's synchronous `Invoke` would, within the deadline.

The event crosses a JSON boundary in both directions, as it does on AWS
(`devserver.lambda_runtime.call`). By default each function runs in warm worker processes
(`devserver.lambda_runtime.pool`): one invocation at a time per worker, up to the function's
`concurrency`, with the function's timeout and memory size enforced. In-process mode, for a
debugger, runs handlers on each function's own threads of this process instead
(`devserver.lambda_runtime.workers`), one invocation at a time per function by default: Powertools' resolvers
keep the current event on a module-level object, which threads would share.
"""

from __future__ import annotations

import asyncio
import json
import threading
from functools import partial
from typing import TYPE_CHECKING, Any

from devserver.appsync.errors import (
    LAMBDA_UNHANDLED,
    UNAUTHORIZED_EXCEPTION,
    UNAUTHORIZED_MESSAGE,
    ExecutionTimeoutError,
    FieldError,
)
from devserver.lambda_runtime import frames
from devserver.lambda_runtime.call import Outcome, run_handler
from devserver.lambda_runtime.eventjson import encode_json
from devserver.lambda_runtime.owner import Owner
from devserver.lambda_runtime.pool import CANCELLED, Invocation
from devserver.lambda_runtime.workers import FunctionWorkers, Job

if TYPE_CHECKING:
    from collections.abc import Callable

    from devserver.lambda_runtime.loader import LoadedFunction
    from devserver.lambda_runtime.pool import FunctionPool

ERROR_STYLES = frozenset({"exception", "lambda_unhandled"})


def _run_in_thread(function: LoadedFunction, event_json: str, deadline_epoch_ms: int) -> Outcome:
    return run_handler(
        function.handler,
        function.config,
        function.identity,
        event_json,
        deadline_epoch_ms=deadline_epoch_ms,
    )


class Invoker:
    """Runs handlers off the event loop, within the request's deadline."""

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
        encode: Callable[[Any], str] = encode_json,
        owner: object = None,
    ) -> Any:
        """The handler's decoded result; a function error or timeout raises `FieldError`.

        `encode` must give the text `encode_json` would (a request passes its `EventEncoder`).
        `owner` (the GraphQL request) is whose share of the function's workers this uses.
        """
        event_json = encode(payload)
        if function.pool is not None:
            return await self._in_worker(
                function.pool, event_json.encode(), deadline, deadline_epoch_ms, owner
            )
        outcome = await self._in_thread(function, event_json, deadline, deadline_epoch_ms, owner)
        if outcome.error_type is not None:
            raise self.function_error(outcome.error_type, outcome.error_message)
        return json.loads(outcome.payload)

    async def _in_worker(
        self,
        pool: FunctionPool,
        event_json: bytes,
        deadline: float,
        deadline_epoch_ms: int,
        owner: object,
    ) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[int, bytes]] = loop.create_future()

        def answer(kind: int, body: bytes) -> None:
            timer.cancel()
            if future.done():  # timed out or cancelled: the worker ran on regardless
                return
            if kind == CANCELLED:
                future.cancel()
            else:
                future.set_result((kind, body))

        job = Invocation(event_json, deadline_epoch_ms, answer, owner)
        timer = loop.call_at(deadline, _expire, future, job)
        pool.submit(job)
        try:
            kind, body = await future
        except asyncio.CancelledError:
            job.abandoned = True  # still queued: it never runs, like a wait for a slot cut short
            timer.cancel()
            raise
        if kind == frames.RESULT:
            return json.loads(body)
        error = json.loads(body)
        raise self.function_error(error["errorType"], error["errorMessage"])

    async def _in_thread(
        self,
        function: LoadedFunction,
        event_json: str,
        deadline: float,
        deadline_epoch_ms: int,
        owner: object,
    ) -> Outcome:
        loop = asyncio.get_running_loop()
        name = function.config.name
        workers = self._workers.get(name)
        if workers is None:
            workers = self._workers[name] = FunctionWorkers(name, self._threads, self._pool)
        future: asyncio.Future[Outcome] = loop.create_future()

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

        call = partial(_run_in_thread, function, event_json, deadline_epoch_ms)
        job = Job(loop, call, done, owner if isinstance(owner, Owner) else None)
        timer = loop.call_at(deadline, _expire, future, job)
        workers.submit(job)
        try:
            return await future
        except asyncio.CancelledError:
            job.abandoned = True  # still queued: it never runs, like a wait for a slot cut short
            timer.cancel()
            raise

    def function_error(self, error_type: str, message: str) -> FieldError:
        """How AppSync reports a Lambda function error on a Direct resolver (semantics §1.4)."""
        if self._error_style == "lambda_unhandled":
            # Behind a mapping template the exception's name never reaches AppSync's own
            # UnauthorizedException handling, so the message is kept too.
            return FieldError(LAMBDA_UNHANDLED, message)
        if error_type == UNAUTHORIZED_EXCEPTION:
            message = UNAUTHORIZED_MESSAGE
        return FieldError(error_type, message)


def _expire(future: asyncio.Future[Any], job: Job | Invocation) -> None:
    # A timer on the future is cheaper than `asyncio.timeout_at`, which cancels the task.
    if not future.done():
        job.abandoned = True  # still queued: it never runs, like an invoke that never got a slot
        future.set_exception(ExecutionTimeoutError())
