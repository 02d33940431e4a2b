"""TransactWriteItems that undoes only what it touched, instead of copying whole tables.

moto backs up every table a transaction names with `copy.deepcopy` before it starts, so one
TransactWriteItems cost time in proportion to the table's size (~90 ms at 3,000 items, and
every other request waited for it). DynamoDB's transactions touch at most 100 items, each at
most once, so a journal of those items' previous versions (and of each stream's length, so a
cancelled transaction leaves no stream records) restores the same state at a tiny cost.

`install()` patches moto's backend in the child process that serves it; the integration tests
pin both outcomes (a cancelled transaction changes nothing, concurrent writes are kept).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.exceptions import ResourceNotFoundException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

if TYPE_CHECKING:
    from collections.abc import Callable


class _TablesNotCopied:
    """Stands in for the `copy` module inside moto's backend: tables are handed back as they are.

    moto's rollback puts its "backup" back into place, which is then the same table object, and
    the journal has already restored the items.
    """

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        if isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


class _Journal:
    """The items a transaction names, as they were before it ran."""

    def __init__(self, backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        self._items: list[tuple[Table, DynamoType, DynamoType | None, Any, bool]] = []
        self._streams: dict[int, tuple[Any, int]] = {}
        for entry in transact_items if isinstance(transact_items, list) else []:
            operation = next(iter(entry.values()), None) if isinstance(entry, dict) else None
            if isinstance(operation, dict):
                self._remember(backend, operation)

    def _remember(self, backend: DynamoDBBackend, operation: dict[str, Any]) -> None:
        try:
            # By name or by ARN, as moto finds the table it writes to.
            table = backend.get_table(operation.get("TableName"))  # type: ignore[arg-type]
        except ResourceNotFoundException:
            return  # moto fails the operation before it writes anything
        attributes = operation.get("Item") if "Item" in operation else operation.get("Key")
        try:
            hash_key = DynamoType(attributes[table.hash_key_attr])  # type: ignore[index]
            range_key = (
                DynamoType(attributes[table.range_key_attr])  # type: ignore[index]
                if table.range_key_attr
                else None
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return  # a malformed key: moto rejects the operation before it writes
        bucket = table.items.get(hash_key)
        current = bucket if range_key is None else (bucket or {}).get(range_key)
        self._items.append(
            (table, hash_key, range_key, copy.deepcopy(current), hash_key in table.items)
        )
        shard = table.stream_shard
        if shard is not None and id(shard) not in self._streams:
            self._streams[id(shard)] = (shard, len(shard.items))

    def undo(self) -> None:
        for table, hash_key, range_key, previous, had_hash in reversed(self._items):
            if range_key is None:
                if previous is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = previous
                continue
            if previous is not None:
                table.items[hash_key][range_key] = previous
                continue
            bucket = table.items.get(hash_key)
            if bucket is not None:
                bucket.pop(range_key, None)
                if not bucket and not had_hash:
                    del table.items[hash_key]
        for shard, length in self._streams.values():
            del shard.items[length:]


def install() -> None:
    """Make moto's TransactWriteItems journal its items instead of copying its tables."""
    original: Callable[[DynamoDBBackend, list[dict[str, Any]]], None] = (
        DynamoDBBackend.transact_write_items
    )
    if getattr(original, "journaled", False):
        return

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        journal = _Journal(self, transact_items)
        try:
            original(self, transact_items)
        except BaseException:
            journal.undo()
            raise

    transact_write_items.journaled = True  # type: ignore[attr-defined]
    dynamodb_models.copy = _TablesNotCopied()  # type: ignore[attr-defined,assignment]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
