"""Runs every event source in the wiring: polls what is polled, delivers through the invoker.

Domain-agnostic: the sources, their functions and filters all come from the wiring. Functions
run through the devserver's invoker, on the same workers as resolvers, with their own timeout.
A new kind (a local S3's notifications) brings its own `SourceKind` and uses `delivery`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from devserver.appsync.errors import FieldError
from devserver.backends.clients import local_client
from devserver.events.checkpoints import CHECKPOINT_FILE, Checkpoints
from devserver.events.delivery import Delivery, InvocationError
from devserver.events.failures import FAILED_DIR, FailureDestination
from devserver.events.s3_notifications import S3NotificationPoller
from devserver.events.stream_poller import StreamPoller

if TYPE_CHECKING:
    from devserver.events.delivery import SourceKind
    from devserver.events.settings import EventsConfig
    from devserver.execution.reload import RuntimeHolder
    from devserver.lambda_runtime.invoke import Invoker
    from wiring import EventSource

logger = logging.getLogger("devserver.events")


class EventService:
    """`run(stop)` polls until `stop` is set, then drains once; `poll_once` is one round."""

    def __init__(
        self,
        config: EventsConfig,
        holder: RuntimeHolder,
        invoker: Invoker,
        *,
        region: str,
        account_id: str,
    ) -> None:
        self.config = config
        self._holder = holder
        self._invoker = invoker
        self._checkpoints = Checkpoints(config.state_dir / CHECKPOINT_FILE)
        self.failures = FailureDestination(
            config.state_dir / FAILED_DIR, region=region, account_id=account_id
        )
        self._streams = local_client("dynamodbstreams", config.dynamodb_endpoint_url)
        self._pollers: dict[str, StreamPoller | S3NotificationPoller] = {}
        self._broken: dict[str, str] = {}
        self._lock = asyncio.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None  # where `run` runs, for other threads

    async def prepare(self) -> None:
        """Set up what must exist before the API serves: the buckets' notification settings.

        In the cloud a bucket notifies from the moment it is deployed; locally an upload made
        before the first poll would otherwise never produce an event.
        """
        for source in self._holder.current.wiring.event_sources:
            poller = self._poller_for(source)
            if isinstance(poller, S3NotificationPoller):
                try:
                    await poller.prepare()
                except Exception as error:  # noqa: BLE001 - reported; the next poll retries
                    self._report(source, error)

    async def run(self, stop: asyncio.Event) -> None:
        self.loop = asyncio.get_running_loop()
        interval = self.config.poll_interval_seconds
        while not stop.is_set():
            read = await self.poll_once()
            idle = self.config.idle_poll_interval_seconds
            interval = self.config.poll_interval_seconds if read else min(interval * 2, idle)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
        # What was written before the stop still reaches its consumers.
        await self.poll_once()

    async def poll_once(self) -> int:
        """Read and deliver what is new in every polled source; return the records read."""
        async with self._lock:
            total = 0
            for source in self._holder.current.wiring.event_sources:
                poller = self._poller_for(source)
                if poller is None:
                    continue
                try:
                    total += await poller.poll()
                except Exception as error:  # noqa: BLE001 - one broken source must not stop others
                    self._report(source, error)
                else:
                    self._broken.pop(source.name, None)
            return total

    def delivery(self, source: EventSource, kind: SourceKind) -> Delivery:
        return Delivery(source, kind, self._invoke, self.failures)

    def _poller_for(self, source: EventSource) -> StreamPoller | S3NotificationPoller | None:
        poller = self._pollers.get(source.name)
        if poller is not None and poller.source == source:
            return poller
        # New, or changed by a hot reload.
        name = f"{self.config.resource_prefix}{source.resource}"
        if source.kind == "dynamodb_stream":
            poller = StreamPoller(source, name, self._streams, self._checkpoints, self.delivery)
        elif source.kind == "s3" and self.config.s3_endpoint_url:
            endpoint = self.config.s3_endpoint_url
            s3, sqs = local_client("s3", endpoint), local_client("sqs", endpoint)
            poller = S3NotificationPoller(source, name, s3, sqs, self.delivery)
        else:
            return None
        self._pollers[source.name] = poller
        return poller

    async def _invoke(self, name: str, payload: dict[str, Any]) -> Any:
        function = self._holder.current.functions.get(name)
        if function is None:
            raise InvocationError("ResourceNotFoundException", f"no function {name!r}")
        timeout = function.config.timeout_seconds
        loop = asyncio.get_running_loop()
        try:
            return await self._invoker.invoke(
                function,
                payload,
                deadline=loop.time() + timeout,
                deadline_epoch_ms=int((time.time() + timeout) * 1000),
            )
        except FieldError as error:
            raise InvocationError(error.error_type, error.message) from error

    def _report(self, source: EventSource, error: Exception) -> None:
        message = f"{type(error).__name__}: {error}"
        if self._broken.get(source.name) != message:  # once per distinct problem, not per poll
            logger.warning("event source %s: %s", source.name, message)
        self._broken[source.name] = message
