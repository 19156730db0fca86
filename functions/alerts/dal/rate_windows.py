"""The alert sender's shared per-second counters: `RATE#alerts#{name}#{epoch second}`/`COUNT`, TTL; `send`
for texts, `call` and `email` for the other channels (issue 22), each paced to its own rate."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from switchboard.dynamodb import error_code

_KEEP_S = 120


class RateWindowTable:
    def __init__(self, table: Any, name: str = "send") -> None:
        self._table = table
        self._name = name

    def take(self, window: int, want: int, limit: int) -> int:
        key = {"pk": f"RATE#alerts#{self._name}#{window}", "sk": "COUNT"}
        while want > 0:
            try:
                self._table.update_item(
                    Key=key,
                    UpdateExpression="ADD used :want SET expires_at = if_not_exists(expires_at, :expires)",
                    ConditionExpression="attribute_not_exists(used) OR used <= :room",
                    ExpressionAttributeValues={
                        ":want": want,
                        ":room": limit - want,
                        ":expires": window + _KEEP_S,
                    },
                )
                return want
            except ClientError as error:
                if error_code(error) != "ConditionalCheckFailedException":
                    raise
                item = self._table.get_item(Key=key, ConsistentRead=True).get("Item") or {}
                want = min(want - 1, limit - int(item.get("used", 0)))
        return 0
