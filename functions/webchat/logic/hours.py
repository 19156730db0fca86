"""Business hours for the chat: when the agency answers, and when the next answer can be expected.

Configured as `CHAT_BUSINESS_HOURS` = `Mon-Fri 08:00-17:00` (days, then local times) and `CHAT_TIMEZONE`
(an IANA name). Empty hours mean always staffed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_SPEC = re.compile(r"^(\w{3})(?:-(\w{3}))?\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


class InvalidHours(ValueError):
    pass


@dataclass(frozen=True)
class BusinessHours:
    days: frozenset[int]
    opens: time
    closes: time
    zone: ZoneInfo

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def next_open(self, moment: datetime) -> datetime:
        """The next opening at or after `moment` (itself if open now)."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(self.zone)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            start = datetime.combine(day, self.opens, tzinfo=self.zone)
            if day.weekday() in self.days and start > local:
                return start
        raise InvalidHours("no opening within a week")


def parse_hours(spec: str, timezone: str) -> BusinessHours | None:
    spec = " ".join(spec.split()).lower()
    if not spec:
        return None
    match = _SPEC.match(spec)
    if not match or match.group(1) not in _DAYS or (match.group(2) and match.group(2) not in _DAYS):
        raise InvalidHours("CHAT_BUSINESS_HOURS must look like 'Mon-Fri 08:00-17:00'")
    first = _DAYS.index(match.group(1))
    last = _DAYS.index(match.group(2)) if match.group(2) else first
    days = frozenset((first + i) % 7 for i in range((last - first) % 7 + 1))
    opens = time(int(match.group(3)), int(match.group(4)))
    closes = time(int(match.group(5)), int(match.group(6)))
    if closes <= opens:
        raise InvalidHours("closing time must be after opening time")
    return BusinessHours(days, opens, closes, ZoneInfo(timezone or "UTC"))
