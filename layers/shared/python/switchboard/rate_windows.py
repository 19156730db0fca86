"""Fixed-window rate counters in the one table, shared by every public route that limits its callers (web chat
sessions and messages, photo uploads, public texts).

Each (scope, key, window) is one item, `RATE#{scope}#{key}#{window}` / `COUNT`, incremented atomically with
ADD and removed by the table's TTL two windows later. Callers hash whatever identifies a person (an IP
address, a number, a session) before it becomes the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class WindowLimit:
    """At most `max_count` uses per `window_s` seconds, counted under `scope`."""

    scope: str
    max_count: int
    window_s: int


class Counters(Protocol):
    def increment(self, key: str, expires_at: int) -> int: ...


class TableCounters:
    """`Counters` in the one table: an atomic ADD per (scope, key, window), gone by TTL after two windows."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def increment(self, key: str, expires_at: int) -> int:
        response = self._table.update_item(
            Key={"pk": f"RATE#{key}", "sk": "COUNT"},
            UpdateExpression="ADD #count :one SET expires_at = :expires",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={":one": 1, ":expires": expires_at},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["count"])


@dataclass(frozen=True)
class Over:
    """A use over its limit: the window's count so far and the seconds until the window ends."""

    count: int
    retry_after_s: int


def count_use(counters: Counters, limit: WindowLimit, subject_key: str, now: int) -> Over | None:
    """Count one use of `limit` by `subject_key` (already hashed) in the current window; Over when the
    window's count has gone past the limit, None while within it."""
    window = now - now % limit.window_s
    count = counters.increment(f"{limit.scope}#{subject_key}#{window}", window + 2 * limit.window_s)
    if count > limit.max_count:
        return Over(count, window + limit.window_s - now)
    return None
