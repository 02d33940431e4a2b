"""Fan-out: each completed mutation reaches its matching subscriptions, off the mutation's path.

The engine calls `on_mutation` inside the mutation's request, so it only drops the event on a
queue; one task per server does the rest. Per event it un-aliases the payload once, filters
every subscription of the `@aws_subscribe` fields, then projects and encodes once per group of
identical subscriptions and hands the text to each subscriber's outbox. Nothing here can slow
down or fail the mutation, and a slow client only grows its own outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from devserver.subscriptions.published import published_value
from devserver.subscriptions.registry import Delivery
from devserver.subscriptions.triggers import subscribers_of

if TYPE_CHECKING:
    from collections.abc import Hashable

    from graphql import GraphQLSchema

    from devserver.engine import MutationCompleted
    from devserver.reload import RuntimeHolder
    from devserver.subscriptions.registry import Registry, Subscription
    from devserver.subscriptions.settings import SubscriptionSettings

logger = logging.getLogger("devserver.subscriptions")

_YIELD_EVERY = 64  # groups projected between yields to the event loop, in a large fan-out

Published = tuple["MutationCompleted", "GraphQLSchema"]


class Publisher:
    def __init__(
        self, registry: Registry, holder: RuntimeHolder, settings: SubscriptionSettings
    ) -> None:
        self._registry = registry
        self._holder = holder
        self._settings = settings
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inbox: asyncio.Queue[Published] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run the fan-out task on the running loop; called when a subscription begins."""
        if self._task is not None and not self._task.done():
            return
        self._loop = asyncio.get_running_loop()
        self._inbox = asyncio.Queue()
        self._task = self._loop.create_task(self._run(self._inbox), name="subscription-fan-out")

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def on_mutation(self, event: MutationCompleted) -> None:
        """The engine's mutation listener: O(1), never raises into the mutation."""
        loop, inbox = self._loop, self._inbox
        if not self._registry or loop is None or inbox is None or loop.is_closed():
            return  # nobody is subscribed: nothing to deliver
        item = (event, self._holder.current.schema)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            inbox.put_nowait(item)
        else:  # a mutation executed on another loop or thread (tools, tests)
            loop.call_soon_threadsafe(inbox.put_nowait, item)

    async def _run(self, inbox: asyncio.Queue[Published]) -> None:
        while True:
            event, schema = await inbox.get()
            try:
                await self.publish(event, schema)
            except Exception:
                logger.exception("publishing %s failed", event.field_name)

    async def publish(self, event: MutationCompleted, schema: GraphQLSchema) -> int:
        """Deliver one mutation's result; returns how many subscriptions received it."""
        fields = subscribers_of(schema, event.field_name)
        if not fields:
            return 0
        payload = published_value(schema, event)
        groups: dict[Hashable, list[Subscription]] = {}
        unselected: dict[tuple[str, tuple[str, ...]], int] = {}
        for field_name in fields:
            for subscription in self._registry.listening_to(field_name):
                if subscription.filter.matches(payload):
                    groups.setdefault(subscription.group_key, []).append(subscription)
                elif missing := subscription.filter.unselected(payload):
                    key = (field_name, missing)
                    unselected[key] = unselected.get(key, 0) + 1
        for (field_name, missing), count in unselected.items():
            _warn_unselected_filter(event.field_name, field_name, missing, count)
        delivered = 0
        warned: set[tuple[str, ...]] = set()
        for index, members in enumerate(groups.values(), start=1):
            delivered += self._deliver(event, payload, members, warned)
            if index % _YIELD_EVERY == 0:
                await asyncio.sleep(0)
        logger.debug("%s delivered to %d subscriptions", event.field_name, delivered)
        return delivered

    def _deliver(
        self,
        event: MutationCompleted,
        payload: object,
        members: list[Subscription],
        warned: set[tuple[str, ...]],
    ) -> int:
        first = members[0]
        projection = first.projector.project({first.field_name: payload})
        if projection.missing and projection.missing not in warned:
            warned.add(projection.missing)
            logger.warning(
                "subscription %s selects %s, which mutation %s did not select: AppSync "
                "publishes only the mutation's selection set, so subscribers get null there "
                "(an error if the field is non-null). Select the field in the mutation.",
                first.field_name,
                ", ".join(projection.missing),
                event.field_name,
            )
        delivery = Delivery(projection.result)
        size = len(delivery.payload_json.encode())
        if size > self._settings.max_payload_bytes:
            logger.warning(
                "%s event for %s not delivered to %d subscriptions: %d bytes is over AppSync's "
                "%d-byte subscription payload limit, and AppSync drops it without an error",
                event.field_name,
                first.field_name,
                len(members),
                size,
                self._settings.max_payload_bytes,
            )
            return 0
        for subscription in members:
            try:
                subscription.deliver(delivery)
            except Exception:
                logger.exception("delivering to %s failed", subscription.label)
        return len(members)


def _warn_unselected_filter(
    mutation: str, field_name: str, missing: tuple[str, ...], count: int
) -> None:
    names = ", ".join(missing)
    logger.warning(
        "%s event not delivered to %d %s subscription(s) only because mutation %s did not "
        "select %s, which they filter on: AppSync filters on the mutation's selection set. "
        "Select %s in the mutation.",
        mutation,
        count,
        field_name,
        mutation,
        names,
        names,
    )
