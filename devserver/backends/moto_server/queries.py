"""Queries that read only their own partition, instead of every item in the table.

moto answers a Query by walking every item of the table (comparing each one's key with slow
`DynamoType` equality) and then sorting the matches with `DynamoType` comparisons: ~45 ms for
a 20-item page of a 3,000-item table, where DynamoDB reads just the page. Here a query on a
table gets the items of its partition directly, and a query on an index gets them from a
grouping of the table by the index's partition key, built once and reused until the next write
request that names the table. moto's own code still does the matching, ordering, paging and filtering on that
smaller list, so results are unchanged; sorting uses the values moto compares, read once.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from moto.dynamodb.models.table import Table

if TYPE_CHECKING:
    from collections.abc import Callable

    from moto.dynamodb.models.dynamo_type import DynamoType, Item

# Positions in moto's call `table.query(hash_key, ..., index_name, ...)`.
_HASH_KEY, _INDEX_NAME = 0, 7


class _Partitions:
    """Each index's items grouped by partition key, kept until the next write to its table."""

    def __init__(self, generation: Callable[[str], object]) -> None:
        self._generation = generation
        self._groups: dict[tuple[int, str], tuple[object, dict[tuple[Any, ...], list[Item]]]] = {}

    def of_index(self, table: Table, index_name: str, key: tuple[Any, ...]) -> list[Item]:
        generation = self._generation(table.name)
        built_at, groups = self._groups.get((id(table), index_name), (None, {}))
        if built_at != generation:
            attributes = _hash_attributes(table, index_name)
            groups = {}
            for item in table.all_items():
                values = tuple(item.attrs.get(a) for a in attributes)
                if all(v is not None for v in values):
                    groups.setdefault(_comparable(values), []).append(item)  # type: ignore[arg-type]
            self._groups[(id(table), index_name)] = (generation, groups)
        return groups.get(key, [])


def _comparable(values: tuple[DynamoType, ...]) -> tuple[Any, ...]:
    """Key values as moto compares them (`cast_value`: numbers as Decimal), read directly."""
    return tuple(Decimal(v.value) if v.type == "N" else (v.type, v.value) for v in values)


def _hash_attributes(table: Table, index_name: str) -> list[str]:
    index = table.get_index(index_name)
    return [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]


def _candidates(
    partitions: _Partitions, table: Table, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> list[Item] | None:
    """The items the query can match, or None to let moto look at every item."""
    index_name = args[_INDEX_NAME] if len(args) > _INDEX_NAME else kwargs.get("index_name")
    if not index_name:
        hash_key = args[_HASH_KEY] if args else kwargs.get("hash_key")
        bucket = table.items.get(hash_key) if hash_key is not None else None
        if bucket is None:
            return [] if hash_key is not None else None
        return list(bucket.values()) if table.range_key_attr else [bucket]  # type: ignore[list-item]
    indexes = {i.name for i in table.all_indexes()}
    conditions = dict(kwargs.get("hash_key_conditions") or [])
    if index_name not in indexes or not conditions:
        return None  # moto reports the error, or the query's shape is one we do not know
    attributes = _hash_attributes(table, index_name)
    if set(conditions) != set(attributes):
        return None
    key = _comparable(tuple(conditions[a] for a in attributes))
    return partitions.of_index(table, index_name, key)


def _sorted_items(
    self: Table, hash_key_attrs: list[str], range_key_attrs: list[str | None], items: list[Item]
) -> list[Item]:
    # moto's order: by the same attributes, compared by `DynamoType.cast_value`.
    attributes = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
    items.sort(key=lambda item: tuple(item.attrs[a].cast_value for a in attributes))
    return items


def install(generation: Callable[[str], object]) -> None:
    """Patch moto's Table; `generation(table)` must change whenever `table` may have changed."""
    original: Callable[..., Any] = Table.query
    if getattr(original, "partitioned", False):
        return
    partitions = _Partitions(generation)
    every_item: Callable[[Table], list[Item]] = Table.all_items
    # Per thread, because queries on one table run side by side (see app.py).
    narrowed = threading.local()

    def all_items(self: Table) -> list[Item]:
        if getattr(narrowed, "table", None) is self:
            return narrowed.items  # type: ignore[no-any-return]
        return every_item(self)

    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        candidates = _candidates(partitions, self, args, kwargs)
        if candidates is None:
            return original(self, *args, **kwargs)
        # moto's query reads `self.all_items()`; for this call, that is the partition.
        narrowed.table, narrowed.items = self, candidates
        try:
            return original(self, *args, **kwargs)
        finally:
            narrowed.table = narrowed.items = None

    query.partitioned = True  # type: ignore[attr-defined]
    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    Table.sorted_items = _sorted_items  # type: ignore[method-assign]
