"""Data API transactions: one dedicated connection each, found by id, rolled back when idle.

Like the real service, a transaction that sees no call for `idle_timeout` seconds (3 minutes) is
rolled back and forgotten, one that fails a statement is aborted, and a transaction that is still
running a statement refuses a second concurrent one.
"""

from __future__ import annotations

import base64
import logging
import secrets
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psycopg

from devserver.backends.data_api.errors import BadRequestException, DatabaseErrorException

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from psycopg_pool import ConnectionPool

_log = logging.getLogger(__name__)
# Real transaction ids are 184 characters of base64.
_ID_BYTES = 138


@dataclass
class Transaction:
    id: str
    conn: psycopg.Connection[Any]
    last_used: float
    busy: threading.Lock = field(default_factory=threading.Lock)


def _not_found(transaction_id: str) -> BadRequestException:
    return BadRequestException(f"Transaction {transaction_id} is not found")


class TransactionRegistry:
    """Open transactions by id, each holding a connection from `pool` until it ends."""

    def __init__(
        self,
        pool: ConnectionPool[Any],
        *,
        idle_timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool = pool
        self._idle_timeout = idle_timeout
        self._clock = clock
        self._open: dict[str, Transaction] = {}
        self._lock = threading.Lock()

    def begin(self) -> str:
        conn = self._pool.getconn()
        try:
            conn.execute("BEGIN")
        except psycopg.Error:
            self._pool.putconn(conn)
            raise
        transaction = Transaction(
            base64.b64encode(secrets.token_bytes(_ID_BYTES)).decode(), conn, self._clock()
        )
        with self._lock:
            self._open[transaction.id] = transaction
        return transaction.id

    @contextmanager
    def use(self, transaction_id: str) -> Iterator[Transaction]:
        """Hold the transaction for one statement; a failed statement aborts it."""
        with self._lock:
            transaction = self._open.get(transaction_id)
        if transaction is None:
            raise _not_found(transaction_id)
        if not transaction.busy.acquire(blocking=False):
            raise DatabaseErrorException("Transaction is still running a query")
        try:
            if transaction_id not in self._open:  # reaped between lookup and acquire
                raise _not_found(transaction_id)
            transaction.last_used = self._clock()
            try:
                yield transaction
            except psycopg.Error:
                self._end(transaction, commit=False)
                raise
            transaction.last_used = self._clock()
        finally:
            transaction.busy.release()

    def finish(self, transaction_id: str, *, commit: bool) -> None:
        """Commit or roll back; either way the id stops working."""
        with self.use(transaction_id) as transaction:
            self._end(transaction, commit=commit)

    def reap(self) -> int:
        """Roll back transactions idle for longer than the timeout; returns how many."""
        deadline = self._clock() - self._idle_timeout
        with self._lock:
            idle = [t for t in self._open.values() if t.last_used < deadline]
        reaped = 0
        for transaction in idle:
            if transaction.busy.acquire(blocking=False):
                try:
                    if transaction.last_used < deadline:
                        self._end(transaction, commit=False)
                        reaped += 1
                finally:
                    transaction.busy.release()
        return reaped

    def close(self) -> None:
        with self._lock:
            remaining = list(self._open.values())
        for transaction in remaining:
            with suppress(psycopg.Error):
                self._end(transaction, commit=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._open)

    def _end(self, transaction: Transaction, *, commit: bool) -> None:
        with self._lock:
            if self._open.pop(transaction.id, None) is None:
                return
        try:
            transaction.conn.execute("COMMIT" if commit else "ROLLBACK")
        except psycopg.Error:
            if commit:
                with suppress(psycopg.Error):
                    transaction.conn.execute("ROLLBACK")
                raise
            _log.warning("rollback of transaction failed", exc_info=True)
        finally:
            self._pool.putconn(transaction.conn)
