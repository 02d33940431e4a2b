"""Per-request state: the caller, the 30 s budget, the batch queues, and the Direct Lambda event.

A request stops, as AppSync stops it, when its 30 s budget runs out or when it needs more resolver
executions than the API's `resolverCountLimit` (semantics §8). Every resolution of a wired field
counts as one, a batched one included: batching merges Lambda invocations, not resolver executions
(how AppSync counts batch items is UNCONFIRMED). Once stopped, no invocation starts: the request
withdraws its invocations still queued for a worker at once, and cancels their waiters a few per
loop iteration; batches not yet sent are never sent, and every field not yet resolved fails
with the reason. A handler already running finishes in the background; its answer is dropped.
The same happens to whatever a request leaves behind when its answer is complete.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo, get_named_type

from devserver.appsync.errors import ExecutionTimeoutError, FieldError, ResolverLimitError
from devserver.appsync.selection import selection_set_graphql, selection_set_list
from devserver.auth import is_denied
from devserver.lambda_runtime.batching import BatchCollector
from devserver.lambda_runtime.eventjson import Event, EventEncoder, Info
from devserver.lambda_runtime.owner import Owner

if TYPE_CHECKING:
    from collections.abc import Mapping

    from graphql import FieldNode

    from devserver.auth import AuthContext
    from devserver.execution.runtime import PreparedDocument, Runtime
    from devserver.lambda_runtime.invoke import Invoker
    from devserver.lambda_runtime.loader import LoadedFunction
    from wiring import FieldResolver

UNAUTHORIZED = "Unauthorized"

logger = logging.getLogger("devserver.execution.request")

CANCELLED_PER_ITERATION = 4  # waiting tasks a stopped request cancels per loop iteration

StopReason = Callable[[], FieldError]  # makes the error each unresolved field fails with


@dataclass(frozen=True)
class RootCall:
    """What a root field's resolver was asked and answered (for subscription publishing)."""

    field_name: str
    response_key: str
    arguments: dict[str, Any]
    value: Any  # the Lambda's raw answer, before output coercion
    field_nodes: tuple[FieldNode, ...]


@dataclass
class RequestContext:
    """Everything resolvers need about one GraphQL request; Strawberry passes it as the context.

    It holds the runtime the request started with, so a hot reload mid-request never mixes an
    old schema with new handlers.
    """

    runtime: Runtime
    invoker: Invoker
    auth: AuthContext
    headers: dict[str, str]  # lower-cased, `cookie` removed: `request.headers` of the event
    timeout_seconds: float
    request_id: str
    variables: dict[str, Any] = field(default_factory=dict)
    # True while executing a subscription event: root subscription fields read the published
    # payload from the root value instead of invoking their (start-time) resolver.
    publish: bool = False
    document: PreparedDocument | None = None
    root_calls: list[RootCall] = field(default_factory=list)
    deadline: float = 0.0
    deadline_epoch_ms: int = 0
    resolver_count: int = 0  # resolver executions so far, against the API's limit
    _batches: BatchCollector | None = None
    _cleared: set[tuple[str, str]] | None = None  # fields the directives let this caller read
    _infos: dict[tuple[object, ...], Info] = field(default_factory=dict)  # per field
    _encoder: EventEncoder | None = None
    _stopped: StopReason | None = None
    _stop_timer: asyncio.TimerHandle | None = None
    _waiting: set[asyncio.Task[Any]] = field(default_factory=set)  # tasks awaiting an invoke
    # Whose share of the functions' workers this request's invocations use.
    _owner: Owner = field(default_factory=Owner)

    def start_clock(self) -> None:
        """Begin the request's budget: AppSync's 30 s count from when execution starts."""
        loop = asyncio.get_running_loop()
        self.deadline = loop.time() + self.timeout_seconds
        self.deadline_epoch_ms = int((time.time() + self.timeout_seconds) * 1000)
        # A context executed again (with other variables, say) builds its events afresh, and
        # its invocations are a new owner's: the last execution's stop withdrew the old one.
        self._infos = {}
        self._encoder = None
        self._owner = Owner()
        if self._stop_timer is not None:
            self._stop_timer.cancel()
        self.resolver_count = 0
        self._stopped = None
        self._stop_timer = loop.call_at(self.deadline, self.stop, ExecutionTimeoutError)

    def finish(self) -> None:
        """The answer is complete: stop whatever the request still has queued.

        A field whose error nulled the whole answer leaves its siblings' work behind: their
        completions are cancelled, but a batch already sent would still run.
        """
        if self._stop_timer is not None:
            self._stop_timer.cancel()
            self._stop_timer = None
        self.stop(ExecutionTimeoutError)  # nobody reads what is left, whatever the reason
        # The collector calls back into this context: dropping it ends that cycle, so the
        # request's objects go as soon as it ends (as `AppSyncExecutor.detach` does).
        self._batches = None

    def stop(self, reason: StopReason) -> None:
        """Stop the request's work; every field not yet resolved fails with `reason()`."""
        if self._stopped is not None:
            return
        self._stopped = reason
        self._owner.withdrawn = True  # what is still queued for a worker never starts
        self._cancel_waiting(list(self._waiting))

    def _cancel_waiting(self, tasks: list[asyncio.Task[Any]]) -> None:
        """Cancel a few waiting tasks per loop iteration, the rest in the next ones.

        A stopped request can have a hundred tasks waiting, each for a batch of 100 items:
        failing all those fields in one iteration kept every other client waiting ~100 ms
        (benchmarks/RESULTS.md, section 8).
        """
        for task in tasks[:CANCELLED_PER_ITERATION]:
            task.cancel()
        if len(tasks) > CANCELLED_PER_ITERATION:
            rest = tasks[CANCELLED_PER_ITERATION:]
            asyncio.get_running_loop().call_soon(self._cancel_waiting, rest)

    @property
    def stopped(self) -> StopReason | None:
        """Why the request stopped, if it did: what its unresolved fields fail with."""
        if self._stopped is None and asyncio.get_running_loop().time() >= self.deadline:
            self.stop(ExecutionTimeoutError)  # the loop was too busy to run the timer yet
        return self._stopped

    def claim_resolver(self) -> None:
        """Count one resolver execution; raise the stop reason if the request cannot run it."""
        if self._stopped is None:
            self.resolver_count += 1
            limit = self.runtime.wiring.api.resolver_count_limit
            if self.resolver_count > limit:
                logger.warning(
                    "request %s stopped: it needs more than %d resolver executions "
                    "(resolver_count_limit)",
                    self.request_id,
                    limit,
                )
                self.stop(ResolverLimitError)
        if (reason := self.stopped) is not None:
            raise reason()

    def gate(self, parent_type: str, field_name: str) -> bool:
        """Apply the `@aws_*` directives: raise `Unauthorized`; True if the field is denied."""
        cleared = self._cleared
        if cleared is None:
            cleared = self._cleared = self.runtime.policy.cleared(self.auth)
        key = (parent_type, field_name)
        if key not in cleared:
            message = self.runtime.policy.error(parent_type, field_name, self.auth)
            if message is not None:
                raise FieldError(UNAUTHORIZED, message)
            cleared.add(key)
        return bool(self.auth.denied_fields) and is_denied(self.auth, parent_type, field_name)

    def event(self, info: GraphQLResolveInfo[Any], source: Any, arguments: dict[str, Any]) -> Event:
        """The Direct Lambda resolver event AppSync sends for this field (semantics §1.2).

        Only what differs between the request's events is kept (`devserver.lambda_runtime.eventjson`); its
        `info` is shared by every event of the field.
        """
        key = (info.parent_type.name, *map(id, info.field_nodes))
        info_part = self._infos.get(key)
        if info_part is None:
            selection_list, selection_graphql = self._selection(info, key)
            info_part = self._infos[key] = Info(
                {
                    "selectionSetList": selection_list,
                    "selectionSetGraphQL": selection_graphql,
                    "parentTypeName": info.parent_type.name,
                    "fieldName": info.field_name,
                    "variables": self.variables,
                }
            )
        return Event(arguments, None if info.path.prev is None else source, info_part)

    def _selection(
        self, info: GraphQLResolveInfo[Any], key: tuple[object, ...]
    ) -> tuple[list[str], str]:
        document = self.document
        cacheable = document is not None and not document.conditional
        if cacheable and (cached := document.selections.get(key)) is not None:  # type: ignore[union-attr]
            return cached
        built = (
            selection_set_list(
                info.schema,
                get_named_type(info.return_type),
                info.field_nodes,
                info.fragments,
                info.variable_values,
            ),
            selection_set_graphql(info.field_nodes),
        )
        if cacheable:
            document.selections[key] = built  # type: ignore[union-attr]
        return built

    async def invoke(self, function: LoadedFunction, payload: Event | list[Event]) -> Any:
        if (reason := self.stopped) is not None:
            raise reason()  # e.g. a batch flushed after the request stopped: never sent
        encoder = self._encoder
        if encoder is None:
            encoder = self._encoder = EventEncoder(self.auth.identity, self.headers)
        task = asyncio.current_task()
        if task is not None:
            self._waiting.add(task)
        try:
            return await self.invoker.invoke(
                function,
                payload,
                deadline=self.deadline,
                deadline_epoch_ms=self.deadline_epoch_ms,
                encode=encoder.encode,
                owner=self._owner,
            )
        except asyncio.CancelledError:
            # Cancelled by `stop` alone (no other cancellation pending): a field error.
            reason = self.stopped
            if reason is None or task is None or task.uncancel() > 0:
                raise
            raise reason() from None
        finally:
            if task is not None:
                self._waiting.discard(task)
            # A cancelled task keeps its CancelledError, whose traceback holds this frame.
            del task

    def enqueue(self, resolver: FieldResolver, event: Event) -> asyncio.Future[Any]:
        """Queue a batched field's event (`claim_resolver` has let it run)."""
        if self._batches is None:
            self._batches = BatchCollector(self._invoke_batch)
        return self._batches.enqueue(resolver, event)

    async def _invoke_batch(self, resolver: FieldResolver, events: list[Event]) -> Any:
        return await self.invoke(self.runtime.functions[resolver.function], events)


def lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """`request.headers` as AppSync shows them: lower-cased names, never the `cookie` header.

    A repeated header arrives comma-joined (Starlette joins nothing, so the last one would win;
    joining is the HTTP-equivalent form). How AppSync shows repeats is UNCONFIRMED.
    """
    lowered: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        if key == "cookie":
            continue
        lowered[key] = f"{lowered[key]},{value}" if key in lowered else value
    return lowered
