"""Deliver a source's records to its function as Lambda's event source mappings do.

Per batch: filter (records no filter matches are dropped), batch up to `batch_size`, invoke,
read `batchItemFailures`, retry from the first failed record, bisect on error, and hand what
exhausts `maximum_retry_attempts` or outlives `maximum_record_age_seconds` to the on-failure
destination, then move on: a poisoned record never blocks its shard forever. Records reach the
function in order, one batch at a time per source, as one shard's records do.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from devserver.events.filters import matches_any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from devserver.events.failures import FailureDestination
    from devserver.wiring import EventSource

logger = logging.getLogger("devserver.events")

RETRY_DELAY_SECONDS = 0.05  # short: locally nothing is throttled, and tests wait for outcomes
MAX_RETRY_DELAY_SECONDS = 2.0
# Locally, "retry forever" (-1) still has to end: a developer's poisoned record would spin.
LOCAL_RETRY_CEILING = 10


class InvocationError(Exception):
    """The function failed (an exception, a timeout): Lambda retries the whole batch."""

    def __init__(self, error_type: str | None, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type or "Unhandled"
        self.message = message


class SourceKind(Protocol):
    """What delivery needs to know about one kind of event source's records."""

    def item_id(self, record: dict[str, Any]) -> str:
        """The `itemIdentifier` a function names in `batchItemFailures`."""

    def arrived_at(self, record: dict[str, Any]) -> float:
        """When the record entered the source (epoch seconds), for the record-age limit."""

    def batch_info(self, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """What Lambda's on-failure record says about a failed batch (e.g. DDBStreamBatchInfo)."""


@dataclass
class _Attempt:
    records: list[dict[str, Any]]
    retries: int = 0
    error: str = ""


class Delivery:
    """Delivers one event source's records; `deliver` returns once every record is settled."""

    def __init__(
        self,
        source: EventSource,
        kind: SourceKind,
        invoke: Callable[[str, dict[str, Any]], Awaitable[Any]],
        failures: FailureDestination,
        *,
        retry_delay: float = RETRY_DELAY_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source = source
        self._kind = kind
        self._invoke = invoke
        self._failures = failures
        self._retry_delay = retry_delay
        self._clock = clock

    @property
    def max_retries(self) -> int:
        retries = self.source.maximum_retry_attempts
        return LOCAL_RETRY_CEILING if retries < 0 else retries

    async def deliver(self, records: Sequence[dict[str, Any]]) -> None:
        wanted = [record for record in records if matches_any(self.source.filters, record)]
        size = self.source.batch_size
        for start in range(0, len(wanted), size):
            await self._settle(wanted[start : start + size])

    async def _settle(self, batch: list[dict[str, Any]]) -> None:
        pending = deque([_Attempt(batch)])
        while pending:
            attempt = pending.popleft()
            expired = self._expired(attempt.records)
            if expired:
                await self._fail(expired, "RecordAgeExceeded", attempt.retries, attempt.error)
                attempt.records = [r for r in attempt.records if r not in expired]
                if not attempt.records:
                    continue
            remaining, error = await self._invoke_once(attempt.records)
            if not remaining:
                continue
            if attempt.retries >= self.max_retries:
                await self._fail(remaining, "RetryAttemptsExhausted", attempt.retries + 1, error)
                continue
            await asyncio.sleep(
                min(self._retry_delay * 2**attempt.retries, MAX_RETRY_DELAY_SECONDS)
            )
            if self.source.bisect_batch_on_error and len(remaining) > 1:
                half = len(remaining) // 2
                # Splitting does not count towards the retry quota (Lambda's rule); a batch of
                # one cannot split, so its retries count and end.
                pending.extendleft(
                    [
                        _Attempt(remaining[half:], attempt.retries, error),
                        _Attempt(remaining[:half], attempt.retries, error),
                    ]
                )
            else:
                pending.appendleft(_Attempt(remaining, attempt.retries + 1, error))

    async def _invoke_once(self, records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
        """The records still to retry (from the first failed one on), and why."""
        function = self.source.function
        try:
            result = await self._invoke(function, {"Records": records})
        except InvocationError as error:
            logger.warning(
                "%s failed on a batch of %d (%s: %s); retrying",
                function,
                len(records),
                error.error_type,
                error.message,
            )
            return records, f"{error.error_type}: {error.message}"
        if not self.source.report_batch_item_failures:
            return [], ""
        first = self._first_failure(records, result)
        if first is None:
            return [], ""
        logger.info(
            "%s reported %d of %d records failed", function, len(records) - first, len(records)
        )
        return records[first:], "batchItemFailures"

    def _first_failure(self, records: list[dict[str, Any]], result: Any) -> int | None:
        failures = result.get("batchItemFailures") if isinstance(result, dict) else None
        if not failures:
            return None
        ids = [self._kind.item_id(record) for record in records]
        positions = []
        for failure in failures:
            item = failure.get("itemIdentifier") if isinstance(failure, dict) else None
            if item not in ids:
                # Lambda treats an identifier it cannot find (or an empty one) as a failed batch.
                return 0
            positions.append(ids.index(item))
        # Lambda checkpoints before the lowest failed sequence number and retries from there.
        return min(positions)

    def _expired(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        limit = self.source.maximum_record_age_seconds
        if limit < 0:
            return []
        now = self._clock()
        return [r for r in records if now - self._kind.arrived_at(r) > limit]

    async def _fail(
        self, records: list[dict[str, Any]], condition: str, invocations: int, error: str
    ) -> None:
        logger.error(
            "%s: %d record(s) went to the on-failure destination (%s, %s)",
            self.source.name,
            len(records),
            condition,
            error or "too old",
        )
        await asyncio.to_thread(
            self._failures.record,
            self.source,
            records,
            condition=condition,
            batch_info=self._kind.batch_info(records),
            attempts=invocations,
            error=error,
        )
