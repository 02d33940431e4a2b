"""Real-time settings: keep-alive, timeouts and AppSync's subscription limits."""

from __future__ import annotations

from dataclasses import dataclass

MAX_SUBSCRIPTIONS_PER_CONNECTION = 100  # AppSync's default quota (semantics §6.4)
MAX_FILTER_ARGUMENTS = 5  # semantics §5.3
MAX_PAYLOAD_BYTES = 240 * 1024  # semantics §5.2 and §6.4; KiB rather than kB is UNCONFIRMED


@dataclass(frozen=True)
class SubscriptionSettings:
    """How the WebSocket endpoints behave; tests shrink the intervals.

    - `keep_alive_seconds`: how often a `ka` goes out on an AppSync connection. AWS does not
      state AppSync's interval; clients report about a minute.
    - `connection_timeout_ms`: what `connection_ack` tells AppSync clients to wait for a `ka`.
    - `connection_init_timeout_seconds`: how long a new connection may stay silent before its
      `connection_init` (graphql-transport-ws closes with 4408 then; AppSync's own is unknown).
    - `max_connection_seconds`: AppSync closes every connection after 24 hours.
    - `outbox_limit`: messages queued for a client that stopped reading before more are dropped.
    - `allow_graphql_transport_ws`: also serve graphql-transport-ws, which AppSync refuses (a
      client that needs it passes locally and fails on AppSync; off by default).
    """

    keep_alive_seconds: float = 60.0
    connection_timeout_ms: int = 300_000
    connection_init_timeout_seconds: float = 60.0
    max_connection_seconds: float = 24 * 60 * 60
    max_subscriptions_per_connection: int = MAX_SUBSCRIPTIONS_PER_CONNECTION
    max_filter_arguments: int = MAX_FILTER_ARGUMENTS
    max_payload_bytes: int = MAX_PAYLOAD_BYTES
    outbox_limit: int = 10_000
    allow_graphql_transport_ws: bool = False
