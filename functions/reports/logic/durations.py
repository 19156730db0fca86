"""Durations for reports: seconds between two instants in calendar time and inside business hours, kept as
fixed buckets (4 significant figures: exact to the second under 10,000 s, within 0.05% above) so a day's
median and p90 come from counters, never from re-reading messages."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SIGNIFICANT_FIGURES = 4


class Hours(Protocol):
    """The agency's opening hours (webchat.logic.hours.BusinessHours has this shape; the app passes it)."""

    @property
    def days(self) -> frozenset[int]: ...  # Monday = 0

    @property
    def opens(self) -> time: ...

    @property
    def closes(self) -> time: ...

    @property
    def zone(self) -> ZoneInfo: ...


def calendar_seconds(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds()))


def business_seconds(start: datetime, end: datetime, hours: Hours | None) -> int:
    """Seconds of [start, end) that fall inside opening hours, in the agency's zone (None: always open)."""
    if hours is None:
        return calendar_seconds(start, end)
    if end <= start:
        return 0
    zone = hours.zone
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    total = 0.0
    day = local_start.date()
    while day <= local_end.date():
        if day.weekday() in hours.days:
            window_open = datetime.combine(day, hours.opens, tzinfo=zone)
            window_close = datetime.combine(day, hours.closes, tzinfo=zone)
            overlap = (min(window_close, local_end) - max(window_open, local_start)).total_seconds()
            total += max(0.0, overlap)
        day += timedelta(days=1)
    return round(total)


def bucket(seconds: int) -> int:
    """The bucket a duration is counted in: the value rounded to 4 significant figures."""
    if seconds < 10**SIGNIFICANT_FIGURES:
        return max(0, int(seconds))
    step = 10 ** (int(math.log10(seconds)) + 1 - SIGNIFICANT_FIGURES)
    return int(round(seconds / step) * step)


def merge_histograms(histograms: Iterable[Mapping[int, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for histogram in histograms:
        for value, count in histogram.items():
            merged[value] = merged.get(value, 0) + int(count)
    return merged


def percentile(histogram: Mapping[int, int], fraction: float) -> int | None:
    """Nearest rank: the smallest bucket at or below which at least `fraction` of the samples lie."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return max(histogram)
