"""AppSync subscriptions for the devserver: `@aws_subscribe` fan-out over two WebSocket protocols.

- `service`: starting a subscription (validation, auth, the start resolver, the filter);
- `registry`, `publisher`, `published`, `pruning`, `filters`, `triggers`: what an event is and
  who receives which part of it;
- `appsync` (AppSync's real-time protocol), `transport_ws` (graphql-transport-ws, refused unless
  `SubscriptionSettings.allow_graphql_transport_ws`), `handshake` and `endpoint`: the transports.
"""

from __future__ import annotations

from devserver.subscriptions.endpoint import REALTIME_PATHS, Subscriptions
from devserver.subscriptions.settings import SubscriptionSettings
from devserver.subscriptions.transport_ws import SubscriberContext

__all__ = ["REALTIME_PATHS", "SubscriberContext", "SubscriptionSettings", "Subscriptions"]
