"""Message statuses only move forward (docs/architecture.md): repeated or late callbacks are harmless."""

from __future__ import annotations

from typing import Any

STATUS_RANKS: dict[str, int] = {
    "accepted": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "failed": 4,
    "undelivered": 4,
    "read": 5,
}
FAILURE_STATUSES = frozenset({"failed", "undelivered"})

# Inbound messages are final when stored; ranking them above every outbound status means a stray callback
# for an inbound SID can never rewrite them.
RECEIVED = "received"
RECEIVED_RANK = 6


def rank_of(status: str) -> int | None:
    """The rank of a Twilio message status, or None for one this product does not track (e.g. `scheduled`)."""
    return STATUS_RANKS.get(status.strip().lower()) if status else None


def moves_forward(current_rank: int, status: str) -> bool:
    rank = rank_of(status)
    return rank is not None and rank > current_rank


def forward_only_update(status: str, error_code: str | None = None) -> dict[str, Any]:
    """UpdateItem arguments that set `status` only if it ranks above the stored one (and the item exists).

    A ConditionalCheckFailed from these arguments means stale or duplicate: callers treat it as success.
    """
    rank = rank_of(status)
    if rank is None:
        raise ValueError(f"untracked status {status!r}")
    assignments = ["#status = :status", "status_rank = :rank"]
    values: dict[str, Any] = {":status": status.strip().lower(), ":rank": rank}
    if error_code and status in FAILURE_STATUSES:
        assignments.append("error_code = :error_code")
        values[":error_code"] = error_code
    return {
        "UpdateExpression": "SET " + ", ".join(assignments),
        "ConditionExpression": "attribute_exists(pk) AND status_rank < :rank",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": values,
    }
