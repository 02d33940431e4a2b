"""The immutable runtime: executable schema, wiring, imported handlers and per-query caches.

Built once at start-up and again on every hot reload; requests take the current one when they
start and keep it to the end, so a reload never changes a request halfway.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sys
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphql import (
    DocumentNode,
    GraphQLSchema,
    GraphQLSyntaxError,
    parse,
)

from devserver.appsync.validation import validate_document

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from devserver.appsync.errors import AppSyncError
    from devserver.auth import DirectivePolicy
    from devserver.lambda_runtime.loader import LoadedFunction
    from devserver.lambda_runtime.pool import FunctionPool
    from wiring import Wiring

logger = logging.getLogger("devserver.execution.runtime")

# Longer new documents are parsed and validated on a thread. A 200-alias query (18k characters)
# takes ~70 ms of graphql-core's validation, which on the event loop stalled every other
# client's request; a thread shares the GIL with the loop instead. Typical documents are a few
# hundred characters and take well under a millisecond: not worth a thread hop.
OFF_LOOP_CHARACTERS = 4096


@dataclass
class PreparedDocument:
    """A query text parsed and validated once, plus what is derived from it per field."""

    document: DocumentNode | None  # None: the text does not parse
    errors: list[AppSyncError]
    conditional: bool  # uses @skip/@include, so selection sets depend on variables
    selections: dict[tuple[object, ...], tuple[list[str], str]] = field(default_factory=dict)


# While a document is prepared on its thread, the thread holds the GIL this long at a time:
# the event loop needs the GIL back after every socket call, and with CPython's 5 ms each wait
# added up to 60-120 ms for another client's request. Only then: with other threads running
# (the event-source pollers), switching that often cost ~10% of the loop's throughput.
SWITCH_INTERVAL_SECONDS = 0.0005


class _BriefGilTurns:
    """The short switch interval, while at least one preparation is on the thread."""

    def __init__(self) -> None:
        self._users = 0
        self._saved = sys.getswitchinterval()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        if not self._users:
            self._saved = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
        self._users += 1
        try:
            yield
        finally:
            self._users -= 1
            if not self._users:
                sys.setswitchinterval(self._saved)


_brief_gil_turns = _BriefGilTurns().held


@functools.cache
def _preparer() -> ThreadPoolExecutor:
    """One thread for every runtime's long documents, started when the first one comes."""
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="devserver-documents")


class DocumentCache:
    """A small LRU of prepared documents; clients send the same few query texts repeatedly."""

    def __init__(self, schema: GraphQLSchema, size: int) -> None:
        self._schema = schema
        self._size = size
        self._documents: OrderedDict[str, PreparedDocument] = OrderedDict()
        self._preparing: dict[str, asyncio.Future[PreparedDocument]] = {}

    def get(self, query: str) -> PreparedDocument:
        prepared = self._documents.get(query)
        if prepared is not None:
            self._documents.move_to_end(query)
            return prepared
        return self._remember(query, self._prepare(query))

    async def prepare(self, query: str) -> PreparedDocument:
        """`get`, but a long new document is prepared on a thread, off the event loop.

        Requests that bring the same new document at once share one preparation, and the
        thread is the documents' own, so a slow Lambda authorizer never delays it.
        """
        if len(query) < OFF_LOOP_CHARACTERS or query in self._documents:
            return self.get(query)
        pending = self._preparing.get(query)
        if pending is None:
            loop = asyncio.get_running_loop()
            pending = loop.run_in_executor(_preparer(), self._prepare, query)
            self._preparing[query] = pending
            pending.add_done_callback(lambda _: self._preparing.pop(query, None))
        with _brief_gil_turns():
            prepared = await asyncio.shield(pending)
        return self._remember(query, prepared)

    def _remember(self, query: str, prepared: PreparedDocument) -> PreparedDocument:
        self._documents[query] = prepared
        self._documents.move_to_end(query)
        if len(self._documents) > self._size:
            self._documents.popitem(last=False)
        return prepared

    def _prepare(self, query: str) -> PreparedDocument:
        try:
            document = parse(query)
        except GraphQLSyntaxError:
            return PreparedDocument(None, [], conditional=False)
        conditional = "@skip" in query or "@include" in query
        return PreparedDocument(document, validate_document(self._schema, document), conditional)


@dataclass(frozen=True)
class Runtime:
    schema: GraphQLSchema
    wiring: Wiring
    functions: dict[str, LoadedFunction]
    policy: DirectivePolicy
    documents: DocumentCache
    watch_paths: tuple[Path, ...]
    handler_packages: frozenset[str]
    generation: int

    def retire(self) -> None:
        """A newer runtime serves new requests: let this one's idle workers go."""
        for pool in pools_of(self.functions):
            pool.retire()

    def close(self) -> None:
        for pool in pools_of(self.functions):
            pool.close()


def pools_of(functions: dict[str, LoadedFunction]) -> list[FunctionPool]:
    return [function.pool for function in functions.values() if function.pool is not None]


def close_pools(pools: list[FunctionPool]) -> None:
    for pool in pools:
        pool.close()
