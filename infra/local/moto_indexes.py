"""Make moto's DynamoDB Query cost what DynamoDB's does: proportional to the partition read, not to the table.

moto 5.2 answers every Query by sorting *all* items of the table (`Table.all_items`) and then filtering them
by the key condition: at 10,000 threads and 100,000 messages one Query takes 0.6-1.5 s on this machine, where
DynamoDB takes milliseconds, so the local stack could not show whether an access pattern is fast. This patch
keeps moto's query code (conditions, filters, ordering, pagination, Select=COUNT) and only narrows the items
it starts from:

- a base-table Query starts from the one partition (`Table.items[hash_key]`);
- a GSI Query starts from the items whose index partition-key attributes equal the query's, found in a map
  per table and index that every write keeps up to date (put, update, delete, batch and transactional writes
  all end in the three hooks below).

It also gives moto's sort and its ExclusiveStartKey walk a cheaper key: moto compares `DynamoType`s, whose
`cast_value` runs five type checks per comparison (half the time of a filtered inbox query at 10,000
threads); for strings the raw value orders the same way. It defers moto's deep copy of a Query's page until
after the FilterExpression (moto copies every item it read, then filters: a label filter read 800 threads to
keep 20); the copy still happens, of what is returned, and not at all for Select=COUNT, whose items moto only
counts. And it remembers an item's size (moto sums it attribute by attribute for every item a Query passes, to
stop at 1 MB), forgetting it whenever the item is written.

Results are identical to unpatched moto (tests/unit/test_moto_indexes.py compares them on random data); only
the time changes. Installed once per process by the local stack, before moto serves a request.
"""

from __future__ import annotations

import bisect
import copy
import inspect
import threading
from collections.abc import Callable
from typing import Any

_lock = threading.RLock()
_scope = threading.local()
_installed = False

Key = tuple[Any, Any]


class _IndexMaps:
    """For one table: index -> partition-key values -> {item key: item}, and where each item is now."""

    def __init__(self, table: Any) -> None:
        self.hash_attrs: dict[str, tuple[str, ...]] = {
            index.name: tuple(k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH")
            for index in (table.global_indexes or [])
        }
        self.buckets: dict[str, dict[tuple[Any, ...], dict[Key, Any]]] = {
            name: {} for name in self.hash_attrs
        }
        self.placed: dict[str, dict[Key, tuple[Any, ...]]] = {name: {} for name in self.hash_attrs}
        # (index name or None, partition values) -> (sort keys ascending, items in that order); dropped
        # whenever an item enters, leaves or changes in that partition.
        self.ordered: dict[tuple[Any, ...], tuple[list[tuple[Any, ...]], list[Any]]] = {}
        for partition in table.items.values():
            for item in partition.values() if table.range_key_attr else [partition]:
                self.place(item)

    def place(self, item: Any) -> None:
        key = (item.hash_key, item.range_key)
        self.ordered.pop((None, item.hash_key), None)
        for name, attrs in self.hash_attrs.items():
            self._unplace(name, key)
            values = tuple(item.attrs.get(attr) for attr in attrs)
            if all(value is not None for value in values):
                self.buckets[name].setdefault(values, {})[key] = item
                self.placed[name][key] = values
                self.ordered.pop((name, values), None)

    def remove(self, item: Any) -> None:
        key = (item.hash_key, item.range_key)
        self.ordered.pop((None, item.hash_key), None)
        for name in self.hash_attrs:
            self._unplace(name, key)

    def _unplace(self, name: str, key: Key) -> None:
        old = self.placed[name].pop(key, None)
        if old is not None:
            self.ordered.pop((name, old), None)
            bucket = self.buckets[name].get(old)
            if bucket is not None:
                bucket.pop(key, None)
                if not bucket:
                    del self.buckets[name][old]

    def candidates(self, index_name: str, conditions: list[tuple[str, Any]]) -> list[Any] | None:
        attrs = self.hash_attrs.get(index_name)
        given = dict(conditions)
        if attrs is None or set(given) != set(attrs):
            return None  # not a GSI this map knows (an LSI, say): let moto do it its own way
        return list(self.buckets[index_name].get(tuple(given[attr] for attr in attrs), {}).values())

    def in_order(
        self, table: Any, index_name: str | None, conditions: list[tuple[str, Any]], hash_key: Any
    ) -> tuple[list[str], list[tuple[Any, ...]], list[Any]] | None:
        """The partition a hash-key-only Query reads, in moto's ascending order: (the attributes it orders
        by, each item's sort key, the items); kept until a write touches the partition. None when this
        patch cannot say (an index without a range key, values of mixed types): moto's own way then."""
        if index_name is None:
            if not table.range_key_attr:
                return None
            cache_key: tuple[Any, ...] = (None, hash_key)
            attrs = [table.range_key_attr]
        else:
            index = next((i for i in table.global_indexes or [] if i.name == index_name), None)
            ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"] if index else []
            hash_names = self.hash_attrs.get(index_name)
            given = dict(conditions)
            if not ranges or hash_names is None or set(given) != set(hash_names):
                return None
            cache_key = (index_name, tuple(given[attr] for attr in hash_names))
            attrs = table._generate_attr_to_sort_by(
                [*hash_names, table.hash_key_attr], [*ranges, table.range_key_attr]
            )
        cached = self.ordered.get(cache_key)
        if cached is None:
            if index_name is None:
                partition = table.items.get(hash_key, {})
                members = list(partition.values())
            else:
                bucket = self.buckets[index_name].get(cache_key[1], {})
                # DynamoDB leaves out of an index the items without its range key (moto checks truthiness).
                members = [i for i in bucket.values() if all(i.attrs.get(a) for a in ranges)]
            try:
                keyed = sorted(
                    ((tuple(_fast(i.attrs[a]) for a in attrs), i) for i in members),
                    key=lambda entry: entry[0],
                )
            except (KeyError, TypeError):
                return None
            cached = ([k for k, _ in keyed], [i for _, i in keyed])
            self.ordered[cache_key] = cached
        return attrs, cached[0], cached[1]


class _CopyAfterFilter:
    """Stands in for the `copy` module inside moto's table code: while our Query wrapper runs, the deep
    copy of the page read is skipped (the wrapper deep-copies the filtered page instead); otherwise the real
    copy."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if getattr(_scope, "defer_copy", False) and isinstance(value, list):
            _scope.defer_copy = False  # only the page copy in Table.query; any later copy is real
            return value
        return self._real.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def _fast(value: Any) -> Any:
    """What moto's DynamoType comparisons compare (`cast_value`), without its type checks for a string."""
    return value.value if value.type == "S" else value.cast_value


def _maps(table: Any) -> _IndexMaps:
    # Kept on the table object: a transaction that fails makes moto put back a deep copy of the table, and the
    # deep copy carries a map consistent with its own items.
    maps = table.__dict__.get("_switchboard_index_maps")
    if maps is None:
        maps = _IndexMaps(table)
        table.__dict__["_switchboard_index_maps"] = maps
    return maps


def _window(table: Any, hash_key: Any, bound: dict[str, Any]) -> list[Any] | None:
    """For a Query on the partition key alone (no sort-key condition): the items moto needs to answer it,
    taken from the partition kept in order, starting at ExclusiveStartKey (by bisection) and `limit` + 2
    long (the start item itself, which moto skips, the page, and one more so moto sees there is a next page
    and returns a LastEvaluatedKey). moto then runs its own code on them: the answer is the same, the cost
    follows the page, not the partition (at 10,000 threads an index partition holds thousands of threads
    and a search term's tens of thousands of postings). None: not such a Query; the caller narrows as
    before."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if bound.get("range_comparison") or bound.get("range_key_conditions") or bound.get("filter_kwargs"):
        return None
    index_name = bound.get("index_name")
    if index_name is None and hash_key is None:
        return None
    ordered = _maps(table).in_order(table, index_name, bound.get("hash_key_conditions") or [], hash_key)
    if ordered is None:
        return None
    attrs, keys, items = ordered
    limit = bound.get("limit")
    start = bound.get("exclusive_start_key")
    if not isinstance(limit, int) or limit <= 0 or (start and any(a not in start for a in attrs)):
        return list(items)
    forward = bound.get("scan_index_forward") is not False
    try:
        start_key = tuple(_fast(DynamoType(start[a])) for a in attrs) if start else None
        if forward:
            low = bisect.bisect_left(keys, start_key) if start_key is not None else 0
            return items[low : low + limit + 2]
        high = bisect.bisect_right(keys, start_key) if start_key is not None else len(items)
        return items[max(0, high - limit - 2) : high]
    except TypeError:  # a start key whose types do not compare with the partition's
        return list(items)


def install() -> None:
    """Patch moto's DynamoDB Table and backend in this process (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models import table as table_module
        from moto.dynamodb.models.table import Table
        from moto.dynamodb.responses import DynamoHandler

        original_all_items: Callable[..., list[Any]] = Table.all_items
        original_query: Callable[..., Any] = Table.query
        original_put: Callable[..., Any] = Table.put_item
        original_delete: Callable[..., Any] = Table.delete_item
        original_update: Callable[..., Any] = DynamoDBBackend.update_item
        original_comes_before: Callable[..., bool] = Table._item_comes_before_dct
        from moto.dynamodb.models.dynamo_type import DynamoType, Item

        original_size: Callable[..., int] = Item.size

        def size(self: Any) -> int:
            cached = self.__dict__.get("_switchboard_size")
            if cached is None:
                cached = self.__dict__["_switchboard_size"] = original_size(self)
            return cached  # type: ignore[no-any-return]

        def sorted_items(
            self: Any, hash_key_attrs: list[str], range_key_attrs: list[str | None], items: list[Any]
        ) -> list[Any]:
            attrs = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
            items.sort(key=lambda item: tuple(_fast(item.attrs[attr]) for attr in attrs))
            return items

        def comes_before(
            self: Any,
            item: Any,
            dct: dict[str, Any],
            hash_key_attrs: list[str],
            range_key_attrs: list[str | None],
            scan_index_forward: bool,
        ) -> bool:
            attrs = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
            if any(attr not in dct for attr in attrs):
                return original_comes_before(
                    self, item, dct, hash_key_attrs, range_key_attrs, scan_index_forward
                )
            for attr in attrs:
                if attr in item.attrs:
                    mine, theirs = item.attrs[attr], DynamoType(dct[attr])
                    if mine.type != theirs.type or _fast(mine) != _fast(theirs):
                        return (_fast(mine) < _fast(theirs)) == scan_index_forward
            return True

        def all_items(self: Any) -> list[Any]:
            narrowed = getattr(_scope, "items", None)
            if narrowed is not None and narrowed[0] is self:
                return narrowed[1]  # type: ignore[no-any-return]
            return original_all_items(self)

        query_signature = inspect.signature(original_query)

        def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
            bound = query_signature.bind(self, hash_key, *args, **kwargs).arguments
            index_name = bound.get("index_name")
            with _lock:
                items = _window(self, hash_key, bound)
                if items is None and index_name:
                    items = _maps(self).candidates(index_name, bound.get("hash_key_conditions") or [])
                elif items is None and hash_key is not None:
                    partition = self.items.get(hash_key, {})
                    items = list(partition.values()) if self.range_key_attr else [partition]
                    if self.range_key_attr and items and items[0].range_key is not None:
                        # Sorted here with the cheap key, moto's own sort finds nothing to do.
                        items.sort(key=lambda item: _fast(item.range_key))
            if items is None:
                return original_query(self, hash_key, *args, **kwargs)
            _scope.items = (self, items)
            _scope.defer_copy = True
            try:
                results, scanned, last_key = original_query(self, hash_key, *args, **kwargs)
                if getattr(_scope, "count_only", False):
                    return results, scanned, last_key  # the handler takes len(results), nothing else
                return copy.deepcopy(results), scanned, last_key
            finally:
                _scope.items = None
                _scope.defer_copy = False

        def put_item(self: Any, *args: Any, **kwargs: Any) -> Any:
            with _lock:
                item = original_put(self, *args, **kwargs)
                _maps(self).place(item)
                return item

        def delete_item(self: Any, *args: Any, **kwargs: Any) -> Any:
            with _lock:
                item = original_delete(self, *args, **kwargs)
                if item is not None:
                    _maps(self).remove(item)
                return item

        def update_item(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
            with _lock:
                item = original_update(self, table_name, *args, **kwargs)
                if item is not None:
                    item.__dict__.pop("_switchboard_size", None)  # updated in place
                    _maps(self.get_table(table_name)).place(item)
                return item

        table_module.copy = _CopyAfterFilter(copy)  # type: ignore[attr-defined,assignment]
        original_handler_query: Callable[..., Any] = DynamoHandler.query

        def handler_query(self: Any) -> Any:
            _scope.count_only = self.body.get("Select") == "COUNT"
            try:
                return original_handler_query(self)
            finally:
                _scope.count_only = False

        DynamoHandler.query = handler_query  # type: ignore[method-assign]
        Table.all_items = all_items  # type: ignore[method-assign]
        Table.sorted_items = sorted_items  # type: ignore[method-assign]
        Item.size = size  # type: ignore[method-assign]
        Table._item_comes_before_dct = comes_before  # type: ignore[method-assign]
        Table.query = query  # type: ignore[method-assign]
        Table.put_item = put_item  # type: ignore[method-assign]
        Table.delete_item = delete_item  # type: ignore[method-assign]
        DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
        _installed = True
