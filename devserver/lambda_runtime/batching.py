"""AppSync's BatchInvoke (semantics §2): sibling invocations of one Type.field go as one list.

Resolvers of a batched field do not invoke; they queue their event and get a future. graphql-core
completes a list synchronously, calling the resolver of every item before yielding to the event
loop, so a flush scheduled with `call_soon` on the first queued event runs after the whole
level has queued: one list per Type.field, split into chunks of `max_batch_size`. Fields whose
parents resolve at different moments form separate batches; how AppSync groups those (and
aliased root fields) is UNCONFIRMED.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from devserver.appsync.errors import FieldError, drop_tracebacks
from wiring import FieldResolver

logger = logging.getLogger("devserver.lambda_runtime.batching")

ENVELOPE_KEYS = frozenset({"data", "errorMessage", "errorType"})
# What AppSync reports when a batch answer does not line up with its events is UNCONFIRMED.
BATCH_MISMATCH = "BatchResponseMismatch"

BatchInvoke = Callable[[FieldResolver, list[Any]], Awaitable[Any]]


@dataclass
class _Queue:
    resolver: FieldResolver
    events: list[Any] = field(default_factory=list)
    futures: list[asyncio.Future[Any]] = field(default_factory=list)


class BatchCollector:
    """One per request: queues batched events and flushes them once the current level is queued."""

    def __init__(self, invoke: BatchInvoke) -> None:
        self._invoke = invoke
        self._queues: dict[str, _Queue] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def enqueue(self, resolver: FieldResolver, event: Any) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        if not self._queues:
            loop.call_soon(self._flush)
        queue = self._queues.get(resolver.key)
        if queue is None:
            queue = self._queues[resolver.key] = _Queue(resolver)
        future: asyncio.Future[Any] = loop.create_future()
        queue.events.append(event)
        queue.futures.append(future)
        return future

    def _flush(self) -> None:
        queues, self._queues = self._queues, {}
        for queue in queues.values():
            size = queue.resolver.max_batch_size
            for start in range(0, len(queue.events), size):
                task = asyncio.ensure_future(
                    self._run(
                        queue.resolver,
                        queue.events[start : start + size],
                        queue.futures[start : start + size],
                    )
                )
                self._tasks.add(task)  # a strong reference until done, as asyncio requires
                task.add_done_callback(self._tasks.discard)

    async def _run(
        self, resolver: FieldResolver, events: list[Any], futures: list[asyncio.Future[Any]]
    ) -> None:
        try:
            response = await self._invoke(resolver, events)
        except FieldError as failure:
            # A failed invoke fails every item, each under its own path. Its traceback would
            # hold this frame, and so the futures that hold the error: a cycle per batch.
            drop_tracebacks(failure)
            outcomes: list[Any] = [failure] * len(events)
        except Exception as error:
            logger.exception("batch invoke of %s failed", resolver.key)
            drop_tracebacks(error)
            outcomes = [error] * len(events)
        else:
            outcomes = unwrap_batch_response(resolver.key, response, len(events))
        for future, outcome in zip(futures, outcomes, strict=True):
            if future.done():  # cancelled: a sibling's error already nulled this position
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


def unwrap_batch_response(key: str, response: Any, expected: int) -> list[Any]:
    """Per-item results (values or `FieldError`s) from a batched Lambda's answer.

    Items shaped like the documented envelope `{data, errorMessage, errorType}` are unwrapped;
    anything else is taken as the bare value, as Powertools' batch resolvers return them. AppSync's
    exact rule for telling the two apart is UNCONFIRMED, so the shape used is logged.
    """
    if not isinstance(response, list):
        failure = FieldError(
            BATCH_MISMATCH,
            f"Batch invoke returned {type(response).__name__} instead of a list of "
            f"{expected} results.",
        )
        return [failure] * expected
    if len(response) != expected:
        failure = FieldError(
            BATCH_MISMATCH,
            f"Batch invoke returned {len(response)} results for {expected} events; the "
            "response must have one item per event, in order.",
        )
        return [failure] * expected
    outcomes: list[Any] = []
    envelopes = 0
    for item in response:
        if _is_envelope(item):
            envelopes += 1
            message = item.get("errorMessage")
            if message is not None:
                outcomes.append(FieldError(item.get("errorType"), str(message), item.get("data")))
            else:
                outcomes.append(item.get("data"))
        else:
            outcomes.append(item)
    logger.debug(
        "batch response for %s: %d envelope item(s), %d bare value(s)",
        key,
        envelopes,
        expected - envelopes,
    )
    return outcomes


def _is_envelope(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and bool(item)
        and item.keys() <= ENVELOPE_KEYS
        and ("data" in item or "errorMessage" in item)
    )
