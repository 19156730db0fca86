"""Conditional writes, read as outcomes: a failed condition is an answer (stale, duplicate, missing), not an
error; anything else is raised. And a Query's pages, followed to the end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError


class TransactionConflict(RuntimeError):
    """DynamoDB cancelled a transaction for a transient reason (e.g. a concurrent one on the same item)."""


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def put_if(table: Any, item: dict[str, Any], condition: str) -> bool:
    """PutItem; False when `condition` failed."""
    try:
        table.put_item(Item=item, ConditionExpression=condition)
        return True
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise


def update_if(table: Any, key: dict[str, str], **update: Any) -> dict[str, Any] | None:
    """UpdateItem with a ConditionExpression; the response, or None when the condition failed."""
    try:
        return dict(table.update_item(Key=key, **update))
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return None
        raise


def batch_get(table: Any, keys: list[dict[str, Any]], *, consistent: bool = True) -> Iterator[dict[str, Any]]:
    """The items found at `keys` (each key at most once), in one BatchGetItem per 100 keys, unprocessed keys
    asked again until none is left. Found items come in no particular order; a missing key yields nothing."""
    client = table.meta.client
    for offset in range(0, len(keys), 100):
        chunk = keys[offset : offset + 100]
        pending: dict[str, Any] = {table.name: {"Keys": chunk, "ConsistentRead": consistent}}
        while pending:
            response = client.batch_get_item(RequestItems=pending)
            for item in response.get("Responses", {}).get(table.name, []):
                yield dict(item)
            pending = response.get("UnprocessedKeys") or {}


def transact_write(table: Any, items: list[dict[str, Any]]) -> list[str] | None:
    """TransactWriteItems; None on success, else one cancellation code per item ("None" where it was fine)."""
    try:
        table.meta.client.transact_write_items(TransactItems=items)
        return None
    except ClientError as error:
        if error_code(error) != "TransactionCanceledException":
            raise
        codes = [
            str(reason.get("Code") or "None") for reason in error.response.get("CancellationReasons", [])
        ]
        return codes + ["None"] * (len(items) - len(codes))


def transact_write_if(table: Any, items: list[dict[str, Any]], *, guarded: int) -> bool:
    """TransactWriteItems; False when the condition on `items[guarded]` failed, TransactionConflict when the
    transaction was cancelled for any other reason (worth retrying)."""
    codes = transact_write(table, items)
    if codes is None:
        return True
    if codes[guarded] == "ConditionalCheckFailed":
        return False
    raise TransactionConflict(f"transaction cancelled: {codes}")


def query_pages(table: Any, **query: Any) -> Iterator[dict[str, Any]]:
    """Every page of a Query, following LastEvaluatedKey."""
    while True:
        page = dict(table.query(**query))
        yield page
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
