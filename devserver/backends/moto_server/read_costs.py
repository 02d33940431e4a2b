"""What moto spends on each item a read returns, beyond finding it: sizes, copies, conversion.

Profiled on the heavy query of benchmarks/RESULTS.md section 8 (200 Queries of 100 recipes),
moto's CPU went to three things per returned item, each a walk over every nested value:
- its size, for the 1 MB page limit: computed twice per item, on every read;
- a deep copy of the page, made so that what follows cannot change the stored items;
- the conversion to plain JSON types, through a generic recursion that tries `hasattr(value,
  "to_json")` (an exception, for a string) on every leaf.
Together they were most of the moto process's CPU, the largest share of what the heavy query
took from other clients' requests on a 2-core machine.

Here:
- An item's size is kept on the item, stamped with its table's generation, which every write
  request naming the table changes (app.py); a read uses it until then.
- Query and Scan skip the copy. Nothing after it changes the items: index projections and
  projection expressions build new items, filters only read, the response is built from fresh
  structures, and the read holds the lock that keeps writes out until its response is written.
- Attribute values convert directly by their type; everything else goes through moto's own code.
The items, their order and the response bytes are what moto returned before.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any

from moto.dynamodb import responses
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.models.utilities import dynamo_to_dict

from devserver.backends.moto_server.attribute_values import as_bytes, plain

if TYPE_CHECKING:
    from collections.abc import Callable

_SIZE = "_devserver_size"  # (table generation, size) on an item that a read measured


class _Reads:
    """The patched methods, and which thread is inside a Query or Scan of which generation."""

    def __init__(self, generation: Callable[[str], object]) -> None:
        self._generation = generation
        self._local = threading.local()  # per thread: reads run side by side (see app.py)
        self._size: Callable[[Item], int] = Item.size
        self._copy: Callable[[Item, dict[int, Any]], Item] = Item.__deepcopy__
        self._convert: Callable[[Any], Any] = dynamo_to_dict

    def _current(self) -> object | None:
        return getattr(self._local, "generation", None)

    def read(self, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)  # keeps `partitioned` (queries.py) visible
        def wrapper(table: Table, *args: Any, **kwargs: Any) -> Any:
            self._local.generation = self._generation(table.name)
            try:
                return method(table, *args, **kwargs)
            finally:
                self._local.generation = None

        wrapper.copy_free = True  # type: ignore[attr-defined]
        return wrapper

    def size(self, item: Item) -> int:
        current = self._current()
        if current is None:
            return self._size(item)
        known = item.__dict__.get(_SIZE)
        if known is not None and known[0] == current:
            return known[1]  # type: ignore[no-any-return]
        value = self._size(item)
        item.__dict__[_SIZE] = (current, value)
        return value

    def copy(self, item: Item, memo: dict[int, Any]) -> Item:
        return item if self._current() is not None else self._copy(item, memo)

    def convert(self, obj: Any) -> Any:
        if isinstance(obj, DynamoType):
            return plain(obj, as_bytes)
        if isinstance(obj, dict) and not hasattr(obj, "to_json"):
            return {k: self.convert(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.convert(v) for v in obj]
        return self._convert(obj)


def install(generation: Callable[[str], object]) -> None:
    """Patch moto; `generation(table)` must change whenever `table` may have changed."""
    if getattr(Table.query, "copy_free", False):
        return
    reads = _Reads(generation)

    def size(item: Item) -> int:
        return reads.size(item)

    def deepcopy(item: Item, memo: dict[int, Any]) -> Item:
        return reads.copy(item, memo)

    Item.size = size  # type: ignore[method-assign,assignment]
    Item.__deepcopy__ = deepcopy  # type: ignore[method-assign,assignment]
    Table.query = reads.read(Table.query)  # type: ignore[method-assign]
    Table.scan = reads.read(Table.scan)  # type: ignore[method-assign]
    responses.dynamo_to_dict = reads.convert  # type: ignore[attr-defined]  # DynamoResult's
