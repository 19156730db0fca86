"""Timestamps as stored and sorted in the table."""

from __future__ import annotations

from datetime import UTC, datetime

# Fixed width (microseconds, "Z") so that timestamps sort as strings inside sort keys.
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime(_FORMAT)


def utc_now_iso() -> str:
    return format_timestamp(datetime.now(UTC))


def normalize_timestamp(value: str) -> str:
    """Re-format any ISO-8601 instant (with offset) into the stored form; raises ValueError otherwise."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_timestamp(moment)
