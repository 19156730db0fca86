"""Read an item once per unit of work: a DynamoDB Table whose GetItems, inside `scope()`, are answered from
what this unit of work already read or wrote.

The inbound pipeline's steps each own their reads (the feedback survey, the intake session, the report
conversation state, the stored message's SID item, the thread): run one after another over the same
message, they read the same few items again and again. Wrapped in a `ReadOnceTable`, the steps keep their
own DAL code; the pipeline opens a scope per message, prefetches the items it knows the steps will read in
one BatchGetItem, and every later GetItem of a known key is answered from memory.

What keeps the answers true:
- Every write made through the table (PutItem, UpdateItem, DeleteItem, its batch writer) or through its
  client (`table.meta.client`: TransactWriteItems, BatchWriteItem, and the single-item writes) updates the
  memory: a successful Put is the item, an update that returned ALL_NEW is the item, anything else forgets
  the key; a failed write forgets every key it named.
- A consistent read is answered only from a consistent read or from our own write; a read with a projection
  of plain attribute names is answered from a whole item; other reads go to DynamoDB.
- The memory lives only inside `scope()`, in a context variable: concurrent batches in other threads (the
  local stack's pollers) never share it. A write by another process while one message is processed is
  seen by the next message, as if this message's later reads had been made at its first read.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from switchboard.dynamodb import batch_get

Key = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Known:
    item: dict[str, Any] | None  # None: the item does not exist
    consistent: bool


def _key_of(key: Mapping[str, Any]) -> Key:
    return tuple(sorted((str(name), str(value)) for name, value in key.items()))


def _projected(item: dict[str, Any], request: Mapping[str, Any]) -> dict[str, Any] | None:
    """The item cut to a projection of plain names; None when the projection is anything more."""
    projection = request.get("ProjectionExpression")
    if projection is None:
        return item
    names: Mapping[str, str] = request.get("ExpressionAttributeNames") or {}
    wanted = []
    for part in str(projection).split(","):
        name = part.strip()
        name = names.get(name, name)
        if not name or any(mark in name for mark in ".[]#:"):
            return None
        wanted.append(name)
    return {name: item[name] for name in wanted if name in item}


class _Memory:
    def __init__(self, key_names: tuple[str, ...], lasting: dict[Key, _Known] | None = None) -> None:
        self._lasting = lasting if lasting is not None else {}
        self.known: dict[Key, _Known] = dict(self._lasting)
        self._key_names = key_names

    def key(self, item_or_key: Mapping[str, Any]) -> Key:
        return _key_of({name: item_or_key[name] for name in self._key_names if name in item_or_key})

    def forget(self, item_or_key: Mapping[str, Any]) -> None:
        key = self.key(item_or_key)
        self.known.pop(key, None)
        self._lasting.pop(key, None)

    def wrote(self, item: Mapping[str, Any]) -> None:
        key = self.key(item)
        self.known[key] = _Known(copy.deepcopy(dict(item)), consistent=True)
        self._lasting.pop(key, None)


class ReadOnceTable:
    """A boto3 DynamoDB Table (anything not named here is the table's own) that remembers, inside
    `scope()`, the items it read and wrote."""

    def __init__(self, table: Any, key_names: tuple[str, ...] = ("pk", "sk")) -> None:
        self._table = table
        self._key_names = key_names
        self._memory: ContextVar[_Memory | None] = ContextVar(f"read_once_{id(self)}", default=None)
        self._lasting: ContextVar[dict[Key, _Known] | None] = ContextVar(
            f"read_once_lasting_{id(self)}", default=None
        )
        self.meta = _Meta(table.meta, self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    @property
    def unwrapped(self) -> Any:
        return self._table

    @contextmanager
    def scope(self) -> Iterator[None]:
        """One unit of work: reads inside it are remembered until it ends (starting from what
        `prefetch_lasting` found, inside `lasting()`)."""
        token = self._memory.set(_Memory(self._key_names, self._lasting.get()))
        try:
            yield
        finally:
            self._memory.reset(token)

    @contextmanager
    def lasting(self) -> Iterator[None]:
        """Several units of work (an SQS batch): items `prefetch_lasting` found inside it are known to each
        of their scopes, until a write through this table names them."""
        token = self._lasting.set({})
        try:
            yield
        finally:
            self._lasting.reset(token)

    def prefetch_lasting(self, keys: list[dict[str, Any]]) -> None:
        """Inside `lasting()`, read `keys` in one BatchGetItem per 100 and keep the items found, for every
        scope after it. Only for items that never change once written (a resident's thread pointer, put
        only if absent): a missing item is not kept (it may be created by the scope that needs it)."""
        lasting = self._lasting.get()
        if lasting is None or not keys:
            return
        memory = _Memory(self._key_names)
        unique = list({memory.key(key): key for key in keys}.values())
        for item in self._batch_get(unique):
            lasting[memory.key(item)] = _Known(item, consistent=True)

    def _batch_get(self, keys: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        return batch_get(self._table, keys, consistent=True)

    def memory(self) -> _Memory | None:
        return self._memory.get()

    def prefetch(self, keys: list[dict[str, Any]]) -> None:
        """Read `keys` (consistently) in one BatchGetItem per 100, and remember found and missing items
        alike. Outside a scope it does nothing (there is nowhere to keep them)."""
        memory = self._memory.get()
        if memory is None or not keys:
            return
        unique = list({memory.key(key): key for key in keys}.values())
        found = {memory.key(item): item for item in self._batch_get(unique)}
        for key in unique:
            known = memory.key(key)
            memory.known[known] = _Known(found.get(known), consistent=True)

    # --- reads -----------------------------------------------------------------------------------------

    def get_item(self, **request: Any) -> dict[str, Any]:
        memory = self._memory.get()
        if memory is None:
            return dict(self._table.get_item(**request))
        key = memory.key(request["Key"])
        known = memory.known.get(key)
        if known is not None and (known.consistent or not request.get("ConsistentRead")):
            if known.item is None:
                return {}
            projected = _projected(known.item, request)
            if projected is not None:
                return {"Item": copy.deepcopy(projected)}
        response = dict(self._table.get_item(**request))
        if "ProjectionExpression" not in request:
            item = response.get("Item")
            memory.known[key] = _Known(
                copy.deepcopy(dict(item)) if item else None, consistent=bool(request.get("ConsistentRead"))
            )
        return response

    # --- writes ----------------------------------------------------------------------------------------

    def put_item(self, **request: Any) -> dict[str, Any]:
        memory = self._memory.get()
        if memory is None:
            return dict(self._table.put_item(**request))
        try:
            response = dict(self._table.put_item(**request))
        except Exception:
            memory.forget(request["Item"])
            raise
        memory.wrote(request["Item"])
        return response

    def update_item(self, **request: Any) -> dict[str, Any]:
        memory = self._memory.get()
        if memory is None:
            return dict(self._table.update_item(**request))
        try:
            response = dict(self._table.update_item(**request))
        except Exception:
            memory.forget(request["Key"])
            raise
        if request.get("ReturnValues") == "ALL_NEW" and "Attributes" in response:
            memory.wrote(response["Attributes"])
        else:
            memory.forget(request["Key"])
        return response

    def delete_item(self, **request: Any) -> dict[str, Any]:
        memory = self._memory.get()
        if memory is None:
            return dict(self._table.delete_item(**request))
        memory.forget(request["Key"])
        response = dict(self._table.delete_item(**request))
        memory.known[memory.key(request["Key"])] = _Known(None, consistent=True)
        return response

    def batch_writer(self, *args: Any, **kwargs: Any) -> Any:
        writer = self._table.batch_writer(*args, **kwargs)
        memory = self._memory.get()
        return writer if memory is None else _ForgettingWriter(writer, memory)


class _ForgettingWriter:
    """The table's batch writer; every key it is given is forgotten (its write lands later, in a batch)."""

    def __init__(self, writer: Any, memory: _Memory) -> None:
        self._writer = writer
        self._memory = memory

    def __enter__(self) -> _ForgettingWriter:
        self._writer.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._writer.__exit__(*exc)

    def put_item(self, Item: dict[str, Any]) -> None:  # noqa: N803 - boto3's name
        self._memory.forget(Item)
        self._writer.put_item(Item=Item)

    def delete_item(self, Key: dict[str, Any]) -> None:  # noqa: N803 - boto3's name
        self._memory.forget(Key)
        self._writer.delete_item(Key=Key)


class _Meta:
    def __init__(self, meta: Any, table: ReadOnceTable) -> None:
        self._meta = meta
        self.client = _Client(meta.client, table)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._meta, name)


class _Client:
    """The table's client, with the writes that name this table's items kept in its memory."""

    def __init__(self, client: Any, table: ReadOnceTable) -> None:
        self._client = client
        self._table = table

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _ours(self, request: Mapping[str, Any]) -> bool:
        return bool(request.get("TableName") == self._table.unwrapped.name)

    def transact_write_items(self, **request: Any) -> Any:
        memory = self._table.memory()
        if memory is None:
            return self._client.transact_write_items(**request)
        actions = [next(iter(action.items())) for action in request.get("TransactItems", [])]
        ours = [(kind, body) for kind, body in actions if self._ours(body)]
        try:
            response = self._client.transact_write_items(**request)
        except Exception:
            for _, body in ours:
                memory.forget(body.get("Item") or body["Key"])
            raise
        for kind, body in ours:
            if kind == "Put":
                memory.wrote(body["Item"])
            elif kind in ("Update", "Delete"):
                memory.forget(body["Key"])
        return response

    def batch_write_item(self, **request: Any) -> Any:
        memory = self._table.memory()
        if memory is not None:
            for write in request.get("RequestItems", {}).get(self._table.unwrapped.name, []):
                body = write.get("PutRequest", {}).get("Item") or write.get("DeleteRequest", {}).get("Key")
                if body:
                    memory.forget(body)
        return self._client.batch_write_item(**request)

    def _single(self, operation: str, request: dict[str, Any]) -> Any:
        memory = self._table.memory()
        if memory is not None and self._ours(request):
            memory.forget(request.get("Item") or request["Key"])
        return getattr(self._client, operation)(**request)

    def put_item(self, **request: Any) -> Any:
        return self._single("put_item", request)

    def update_item(self, **request: Any) -> Any:
        return self._single("update_item", request)

    def delete_item(self, **request: Any) -> Any:
        return self._single("delete_item", request)


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


def remembered(table: Any, key: Mapping[str, Any]) -> dict[str, Any] | None | Any:
    """What `table` remembers of the item at `key` in the current unit of work, without a request: the item,
    None when it is known not to exist, `UNKNOWN` when not remembered (or `table` is not a `ReadOnceTable`).
    A DAL uses it to skip a conditional write whose condition the item already fails; the condition stays
    on every write it does make, so a stale memory can only cost that skip, never a wrong write."""
    memory = table.memory() if isinstance(table, ReadOnceTable) else None
    if memory is None:
        return UNKNOWN
    known = memory.known.get(memory.key(key))
    if known is None or not known.consistent:
        return UNKNOWN
    return copy.deepcopy(known.item)
