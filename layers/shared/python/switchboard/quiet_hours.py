"""Quiet hours: when a non-emergency text may reach a resident, in the resident's own time zone.

Alerts that are not emergencies, reminders and recurring notices must not wake people up. Residents outside
quiet hours get the text now; residents inside them get it when quiet hours end (08:00 by default) in *their*
zone, which is not always the agency's: a county line, a snowbird, a subscriber who gave another ZIP code.

Pure functions over aware datetimes; every caller passes its clock, so tests freeze time by passing a value.
The zone of a resident is the first known of (the resident's own zone, their zone's zone, the agency's zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_START = time(21, 0)
DEFAULT_END = time(8, 0)


def parse_clock(value: str) -> time:
    """'21:00' → time(21, 0); raises ValueError on anything else."""
    hours, sep, minutes = value.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"not a HH:MM clock time: {value!r}")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class QuietHours:
    """Local wall-clock window in which only emergencies may be sent. start > end means it spans midnight."""

    start: time = DEFAULT_START
    end: time = DEFAULT_END

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> QuietHours:
        return cls(parse_clock(start) if start else DEFAULT_START, parse_clock(end) if end else DEFAULT_END)

    def is_quiet(self, moment: datetime, zone: ZoneInfo) -> bool:
        local = _aware(moment).astimezone(zone).time()
        if self.start == self.end:
            return False  # an empty window: the agency turned quiet hours off
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, moment: datetime, zone: ZoneInfo) -> datetime:
        """`moment` when sending is allowed then; else the first instant after quiet hours end (UTC)."""
        moment = _aware(moment)
        if not self.is_quiet(moment, zone):
            return moment.astimezone(UTC)
        local = moment.astimezone(zone)
        candidate_day = local.date()
        # Inside a window that spans midnight and before midnight, the window ends tomorrow; otherwise today.
        if self.start > self.end and local.time() >= self.end:
            candidate_day += timedelta(days=1)
        wake = datetime.combine(candidate_day, self.end, tzinfo=zone)
        # A wall time that does not exist (a DST gap) resolves forward through UTC.
        return wake.astimezone(UTC)


def zone_for(*candidates: str | None, default: str) -> ZoneInfo:
    """The first candidate that names a real IANA zone, else `default`."""
    for name in candidates:
        if not name:
            continue
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo(default)


def is_valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("quiet hours need a timezone-aware datetime")
    return moment
