"""moto's TransactWriteItems keeps a rollback copy of the *whole table* (copy.deepcopy) for each item of each
transaction: the cost of one transaction grows with the table, and a fan-out that writes transactions per
recipient slows down as it goes (0.7 s per alert text at a few thousand items). DynamoDB's cost does not
depend on the table's size.

This patch keeps what the rollback needs, a copy of each item the transaction touches, and puts those back if
moto cancels it: the same outcome (all or nothing, the index maps of `moto_indexes` kept right), at a cost
proportional to the transaction. Local stack only; the integration tier's in-process moto is unchanged.
"""

from __future__ import annotations

import copy
import threading
import types
from typing import Any

_installed = False
_guard = threading.Lock()


def _key(table: Any, key_json: dict[str, Any]) -> tuple[Any, Any]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_key = DynamoType(key_json[table.hash_key_attr])
    range_key = DynamoType(key_json[table.range_key_attr]) if table.range_key_attr else None
    return hash_key, range_key


def _touched(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any]]:
    found = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue
        key_json = op.get("Key") or op.get("Item") or {}
        if table.hash_key_attr not in key_json:
            continue
        found.append((table, *_key(table, key_json)))
    return found


def _restore(table: Any, hash_key: Any, range_key: Any, saved: Any) -> None:
    from infra.local import moto_indexes

    if table.get_item(hash_key, range_key) is not None:
        table.delete_item(hash_key, range_key)  # moto_indexes' patch drops it from the index maps
    if saved is None:
        return
    if table.range_key_attr:
        table.items.setdefault(hash_key, {})[range_key] = saved
    else:
        table.items[hash_key] = saved
    with moto_indexes._lock:  # noqa: SLF001 - the maps' own lock, shared with its patches
        moto_indexes._maps(table).place(saved)  # noqa: SLF001


def install() -> None:
    """Patch moto's DynamoDB backend in this process (idempotent). Needs `moto_indexes.install()` first."""
    global _installed
    with _guard:
        if _installed:
            return
        import moto.dynamodb.models as models
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.table import Table

        def deepcopy(value: Any, memo: Any = None) -> Any:
            # The whole-table backup becomes the table itself; the items it needs are saved below.
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

        models.copy = types.SimpleNamespace(deepcopy=deepcopy, copy=copy.copy)  # type: ignore[assignment]
        original = DynamoDBBackend.transact_write_items

        def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
            saved = [
                (table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key)))
                for table, hash_key, range_key in _touched(self, transact_items)
            ]
            try:
                original(self, transact_items)
            except Exception:
                for table, hash_key, range_key, item in saved:
                    _restore(table, hash_key, range_key, item)
                raise

        DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
        _installed = True
