"""Schedule expressions and timestamps as the local stack's Scheduler thread and Wait patch read them."""

from __future__ import annotations

import datetime as dt

import pytest

from infra.local.workflows import (
    TimeScale,
    next_cron,
    next_fire,
    parse_timestamp,
    wait_seconds_until,
    with_context_attributes,
)

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_timestamps_with_offsets_are_read_in_utc() -> None:
    assert parse_timestamp("2026-11-25T10:00:00Z") == at("2026-11-25T10:00:00+00:00")
    assert parse_timestamp("2026-11-25T10:00:00.250Z") == at("2026-11-25T10:00:00.250+00:00")
    assert parse_timestamp("2026-11-25T05:00:00-05:00") == at("2026-11-25T10:00:00+00:00")
    assert parse_timestamp("2026-11-25T10:00:00+00:00") == at("2026-11-25T10:00:00+00:00")


@pytest.mark.parametrize(
    "text", ["2026-11-25T10:00:00", "2026-11-25", "tomorrow", "", "2026-13-01T00:00:00Z"]
)
def test_timestamps_without_offset_or_invalid_are_refused(text: str) -> None:
    assert parse_timestamp(text) is None


def test_wait_seconds_are_scaled(monkeypatch: pytest.MonkeyPatch) -> None:
    now = at("2026-11-25T10:00:00+00:00")
    assert wait_seconds_until(at("2026-11-25T11:00:00+00:00"), now) == 3600
    assert wait_seconds_until(at("2026-11-25T09:00:00+00:00"), now) == 0
    monkeypatch.setattr(TimeScale, "factor", 3600.0)
    assert wait_seconds_until(at("2026-11-25T11:00:00+00:00"), now) == 1


def test_rate_at_and_cron_next_fire() -> None:
    now = at("2026-11-25T10:00:30+00:00")
    assert next_fire("rate(5 minutes)", None, now) == at("2026-11-25T10:05:30+00:00")
    assert next_fire("rate(1 day)", None, now) == at("2026-11-26T10:00:30+00:00")
    assert next_fire("at(2026-11-25T12:00:00)", "America/New_York", now) == at("2026-11-25T17:00:00+00:00")
    assert next_fire("at(2026-11-25T09:00:00)", None, now) is None  # in the past: never fires
    # Every Monday 09:00 in New York (cron day-of-week 2 = MON); 2026-11-25 is a Wednesday.
    assert next_fire("cron(0 9 ? * MON *)", "America/New_York", now) == at("2026-11-30T14:00:00+00:00")
    assert next_fire("cron(0/15 * * * ? *)", None, now) == at("2026-11-25T10:15:00+00:00")


def test_cron_fields() -> None:
    start = at("2026-11-25T10:00:00+00:00")
    assert next_cron("30 8-17 ? * MON-FRI *", start) == at("2026-11-25T10:30:00+00:00")
    assert next_cron("0 0 1 JAN ? *", start) == at("2027-01-01T00:00:00+00:00")
    with pytest.raises(ValueError):
        next_cron("0 25 * * ? *", start)
    with pytest.raises(ValueError):
        next_cron("0 9 * *", start)


def test_unknown_expression_is_refused() -> None:
    with pytest.raises(ValueError):
        next_fire("every(5 minutes)", None, at("2026-11-25T10:00:00+00:00"))


def test_context_attributes_are_filled_per_occurrence_as_scheduler_does() -> None:
    target = {
        "Arn": "arn:aws:lambda:us-east-1:1:function:f",
        "Input": '{"at": "<aws.scheduler.scheduled-time>"}',
    }
    due = dt.datetime(2026, 12, 7, 15, 0, tzinfo=dt.UTC)
    filled = with_context_attributes(target, "nt0123", due)
    assert filled["Input"] == '{"at": "2026-12-07T15:00:00Z"}'
    assert target["Input"] == '{"at": "<aws.scheduler.scheduled-time>"}'  # the schedule itself is untouched
    plain = {"Arn": "x", "Input": '{"k": 1}'}
    assert with_context_attributes(plain, "n", due) is plain
