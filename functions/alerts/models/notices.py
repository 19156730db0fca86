"""Recurring proactive notices: a text per language to a topic's subscribers (optionally some zones only),
sent by an EventBridge Scheduler `rate()` or `cron()` schedule in a time zone. Item `NOTICE#{id}` / `META`."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

NOTICE_ID = re.compile(r"^nt[0-9a-f]{16}$")
NoticeState = Literal["ENABLED", "DISABLED"]  # EventBridge Scheduler's own words: active or paused

_RATE = re.compile(r"^rate\((\d{1,4}) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\(([^()]+)\)$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*?,/#L W-]+$")
MIN_INTERVAL_MINUTES = 60  # more often than hourly is an alert, not a notice: residents would opt out


def _rate_minutes(amount: int, unit: str) -> int:
    return amount * {"minute": 1, "hour": 60, "day": 1440}[unit.rstrip("s")]


def check_schedule(expression: str) -> str:
    """EventBridge Scheduler's rate/cron syntax, at most once an hour (one-time `at()` is for alerts)."""
    expression = expression.strip()
    rate = _RATE.match(expression)
    if rate:
        amount, unit = int(rate.group(1)), rate.group(2)
        if amount < 1 or (amount == 1) != (not unit.endswith("s")):
            raise ValueError("write rate(1 hour), rate(2 hours), rate(1 day), rate(7 days)...")
        if _rate_minutes(amount, unit) < MIN_INTERVAL_MINUTES:
            raise ValueError("a notice may repeat at most once an hour")
        return expression
    cron = _CRON.match(expression)
    if cron:
        fields = cron.group(1).split()
        if len(fields) != 6 or not all(_CRON_FIELD.match(f) for f in fields):
            raise ValueError("cron needs 6 fields: minutes hours day-of-month month day-of-week year")
        minute, _, day_of_month, _, day_of_week, _ = fields
        if not minute.isdigit() or not 0 <= int(minute) <= 59:
            raise ValueError("cron minutes must be one number (0-59): a notice repeats at most once an hour")
        if (day_of_month == "?") == (day_of_week == "?"):
            raise ValueError("cron needs '?' in exactly one of day-of-month and day-of-week")
        return expression
    raise ValueError("use rate(N hours|days) or cron(minutes hours day-of-month month day-of-week year)")


def check_time_zone(value: str) -> str:
    value = value.strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone such as America/New_York") from None
    return value


def check_texts(texts: dict[str, str]) -> dict[str, str]:
    cleaned = {language: text.strip() for language, text in texts.items()}
    for language, text in cleaned.items():
        if not re.fullmatch(r"[a-z]{2}(-[A-Z]{2})?", language):
            raise ValueError(f"language codes look like en or es (got {language[:10]!r})")
        if not 1 <= len(text) <= 1600:
            raise ValueError("every text needs 1 to 1600 characters")
    return cleaned


Schedule = Annotated[str, StringConstraints(max_length=120), AfterValidator(check_schedule)]
TimeZone = Annotated[str, StringConstraints(max_length=64), AfterValidator(check_time_zone)]
Texts = Annotated[dict[str, str], Field(min_length=1, max_length=20), AfterValidator(check_texts)]
TopicId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9_-]{1,32}$")]
ZoneId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9:_.-]{1,64}$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class NoticeRequest(BaseModel):
    """`POST /api/notices` and `PUT /api/notices/{id}`."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    title: Title
    topic: TopicId
    zones: list[ZoneId] = Field(default_factory=list, max_length=50)
    texts: Texts
    schedule: Schedule
    timezone: TimeZone = "America/New_York"


class Notice(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    notice_id: str
    title: str
    topic: str
    zones: list[str]
    texts: dict[str, str]
    schedule: str
    timezone: str
    state: NoticeState
    created_at: str
    created_by: str
    updated_at: str
    last_fired_at: str | None = None
    last_alert_id: str | None = None
    fired_count: int = 0


class NoticeList(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    notices: list[Notice]


class NoticeAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    notice: Notice


class FireEvent(BaseModel):
    """What the schedule's target receives: `scheduled_time` is `<aws.scheduler.scheduled-time>`."""

    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    notice_id: Annotated[str, StringConstraints(pattern=NOTICE_ID.pattern)]
    scheduled_time: Annotated[str, StringConstraints(min_length=10, max_length=40)]


class TopicOption(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    id: str
    name: str


class NoticeOptions(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    topics: list[TopicOption]
    zones: list[TopicOption]
    languages: list[str]
    timezone: str
