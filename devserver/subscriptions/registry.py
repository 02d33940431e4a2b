"""The live subscriptions of the whole server, indexed by subscription field."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable, Iterator

    from strawberry.types import ExecutionResult

    from devserver.subscriptions.filters import ArgumentFilter
    from devserver.subscriptions.pruning import Projector


class Delivery:
    """One event as one group of identical subscribers receives it; encoded at most once."""

    __slots__ = ("_json", "result")

    def __init__(self, result: ExecutionResult) -> None:
        self.result = result
        self._json: str | None = None

    @property
    def payload_json(self) -> str:
        """`{"data": …, "errors": […]}`: the `payload` of an AppSync `data` message."""
        if self._json is None:
            payload: dict[str, object] = {"data": self.result.data}
            if self.result.errors:
                payload["errors"] = [error.formatted for error in self.result.errors]
            self._json = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        return self._json


@dataclass(eq=False)
class Subscription:
    """One accepted subscription: what it listens to, filters on, selects, and where it goes.

    Subscriptions with the same `group_key` (same operation, variables and caller's
    permissions) receive identical events, so an event is projected and encoded once per group.
    """

    field_name: str
    filter: ArgumentFilter
    projector: Projector
    group_key: Hashable
    deliver: Callable[[Delivery], None] = field(repr=False)
    label: str = ""  # for logs: which connection and operation id


class Registry:
    """Add and remove are O(1); an event scans only its subscription fields' subscriptions."""

    def __init__(self) -> None:
        self._by_field: dict[str, dict[Subscription, None]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, subscription: Subscription) -> None:
        self._by_field.setdefault(subscription.field_name, {})[subscription] = None
        self._count += 1

    def remove(self, subscription: Subscription) -> None:
        subscriptions = self._by_field.get(subscription.field_name, {})
        if subscription in subscriptions:
            del subscriptions[subscription]
            self._count -= 1
        if not subscriptions:
            self._by_field.pop(subscription.field_name, None)

    def listening_to(self, field_name: str) -> Iterator[Subscription]:
        # A copy: a delivery may end a subscription (its client went away) mid-iteration.
        return iter(list(self._by_field.get(field_name, {})))
