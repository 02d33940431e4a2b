"""Helpers that routers share: the caller of the current event, and batch sources."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resolvers.batching import failed, ok
from resolvers.errors import BadRequest
from resolvers.identity import Caller, caller_from_identity

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aws_lambda_powertools.event_handler.graphql_appsync.router import Router
    from aws_lambda_powertools.utilities.data_classes import AppSyncResolverEvent


def caller_of(event: AppSyncResolverEvent) -> Caller:
    # The raw dict, not event.identity: Powertools' wrapper misreads OIDC and Lambda identities.
    return caller_from_identity(event.get("identity"))


def current_event(router: Router) -> AppSyncResolverEvent:
    event = router.current_event
    if event is None:  # only outside resolve(): a programming error, not a client one
        raise RuntimeError("no AppSync event is being resolved")
    return event


def current_caller(router: Router) -> Caller:
    return caller_of(current_event(router))


def source_values(events: Sequence[AppSyncResolverEvent], key: str) -> list[Any]:
    """The `key` of each batch item's parent object, in batch order."""
    return [(event.source or {}).get(key) for event in events]


def envelopes(
    events: Sequence[AppSyncResolverEvent], key: str, values: Sequence[Any]
) -> list[dict[str, Any]]:
    """Wrap a batch's results in order; an item whose parent lacks `key` fails on its own.

    Such a parent can only come from a resolver that returned a partial object, so the item gets
    a BadRequest error at its own path while the rest of the batch still resolves.
    """
    results: list[dict[str, Any]] = []
    for event, value in zip(events, values, strict=True):
        if (event.source or {}).get(key):
            results.append(ok(value))
        else:
            results.append(failed(BadRequest(f"{event.type_name} has no {key} to resolve from.")))
    return results
