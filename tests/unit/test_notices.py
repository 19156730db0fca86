"""Recurring notices: schedule syntax, targets, the manage flow and firing once per occurrence."""

from __future__ import annotations

import re
from typing import Any

import pytest
from alerts.logic.compose import Catalogue
from alerts.logic.notices import (
    NoticeNotFound,
    create_notice,
    delete_notice,
    edit_notice,
    fire_notice,
    set_state,
)
from alerts.models.alerts import UnknownLanguage, UnknownTopic, UnknownZone
from alerts.models.notices import FireEvent, Notice, NoticeRequest, check_schedule
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from switchboard.audit import Actor, AuditLog

CATALOGUE = Catalogue(
    topics={"TESTING": "Testing sites", "WATER": "Water"},
    zones={"north": ("North", "polygon")},
    languages=["en", "es"],
)
SUPERVISOR = Actor(sub="sup-1", email="s@example.gov")
REQUEST = NoticeRequest(
    title="Weekly testing sites",
    topic="TESTING",
    zones=["north"],
    texts={"en": "Testing this week: Elm St clinic, 9-5.", "es": "Pruebas esta semana: clínica Elm, 9-5."},
    schedule="cron(0 9 ? * MON *)",
    timezone="America/Chicago",
)


class MemoryNotices:
    def __init__(self) -> None:
        self.items: dict[str, Notice] = {}
        self.firings: dict[tuple[str, str], str | None] = {}

    def put(self, notice: Notice, *, new: bool) -> bool:
        if (notice.notice_id in self.items) == new:
            return False
        self.items[notice.notice_id] = notice
        return True

    def get(self, notice_id: str) -> Notice | None:
        return self.items.get(notice_id)

    def list(self) -> list[Notice]:
        return list(self.items.values())

    def delete(self, notice_id: str) -> bool:
        return self.items.pop(notice_id, None) is not None

    def claim_firing(self, notice_id: str, scheduled_time: str, now: str) -> bool:
        if (notice_id, scheduled_time) in self.firings:
            return False
        self.firings[(notice_id, scheduled_time)] = None
        return True

    def release_firing(self, notice_id: str, scheduled_time: str) -> None:
        del self.firings[(notice_id, scheduled_time)]

    def record_fired(self, notice_id: str, scheduled_time: str, alert_id: str, now: str) -> None:
        self.firings[(notice_id, scheduled_time)] = alert_id
        notice = self.items[notice_id]
        self.items[notice_id] = notice.model_copy(
            update={"last_alert_id": alert_id, "fired_count": notice.fired_count + 1}
        )


class MemorySchedules:
    def __init__(self, fail: bool = False) -> None:
        self.schedules: dict[str, Notice] = {}
        self.fail = fail

    def create(self, notice: Notice) -> None:
        if self.fail:
            raise RuntimeError("scheduler down")
        self.schedules[notice.notice_id] = notice

    def update(self, notice: Notice) -> None:
        self.schedules[notice.notice_id] = notice

    def delete(self, notice_id: str) -> None:
        self.schedules.pop(notice_id, None)


class RecordingAlerts:
    def __init__(self, fail: bool = False) -> None:
        self.made: list[tuple[str, str]] = []
        self.fail = fail

    def alert_from_notice(self, notice: Notice, scheduled_time: str) -> str:
        if self.fail:
            raise RuntimeError("table down")
        self.made.append((notice.notice_id, scheduled_time))
        return f"al{len(self.made):016x}"


class AuditTable:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def put_item(self, Item: dict[str, Any]) -> None:  # noqa: N803 - boto3's name
        self.items.append(Item)


def make(store: MemoryNotices, schedules: MemorySchedules, audit: AuditTable | None = None) -> Notice:
    return create_notice(
        store,
        schedules,
        AuditLog(audit or AuditTable()),
        CATALOGUE,
        SUPERVISOR,
        REQUEST,
        make_id=lambda: "nt" + "a" * 16,
    )


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 hour)",
        "rate(2 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "rate(90 minutes)",
        "cron(0 9 ? * MON *)",
        "cron(30 8 1 * ? *)",
        "cron(0 9,17 ? * MON-FRI *)",
    ],
)
def test_hourly_or_rarer_rate_and_cron_schedules_are_accepted(expression: str) -> None:
    assert check_schedule(expression) == expression


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("rate(5 minutes)", "at most once an hour"),
        ("rate(1 hours)", "rate(1 hour)"),
        ("rate(2 hour)", "rate(1 hour)"),
        ("rate(0 days)", "rate(1 hour)"),
        ("cron(* 9 ? * MON *)", "one number"),
        ("cron(*/5 9 ? * MON *)", "one number"),
        ("cron(0 9 * * MON *)", "exactly one"),
        ("cron(0 9 ? * MON)", "6 fields"),
        ("at(2026-12-24T09:00:00)", "use rate"),
        ("every monday", "use rate"),
    ],
)
def test_other_schedules_are_refused_with_a_reason(expression: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        check_schedule(expression)


@given(st.text(max_size=60))
def test_anything_accepted_is_a_rate_or_cron_expression(text: str) -> None:
    try:
        accepted = check_schedule(text)
    except ValueError:
        return
    assert accepted.startswith(("rate(", "cron(")) and accepted.endswith(")")


def test_time_zones_and_texts_are_checked() -> None:
    body = REQUEST.model_dump()
    with pytest.raises(ValidationError, match="IANA"):
        NoticeRequest.model_validate({**body, "timezone": "Mars/Olympus"})
    with pytest.raises(ValidationError, match="1 to 1600"):
        NoticeRequest.model_validate({**body, "texts": {"en": "  "}})
    with pytest.raises(ValidationError):
        NoticeRequest.model_validate({**body, "texts": {}})


def test_targets_must_be_what_an_alert_may_name() -> None:
    store, schedules = MemoryNotices(), MemorySchedules()
    for change, error in (
        ({"topic": "PARKS"}, UnknownTopic),
        ({"zones": ["south"]}, UnknownZone),
        ({"texts": {"fr": "Bonjour"}}, UnknownLanguage),
    ):
        request = REQUEST.model_copy(update=change)
        with pytest.raises(error):
            create_notice(store, schedules, AuditLog(AuditTable()), CATALOGUE, SUPERVISOR, request)
    assert store.items == {} and schedules.schedules == {}
    zip_zone = REQUEST.model_copy(update={"zones": ["zip:94110"]})
    assert create_notice(store, schedules, AuditLog(AuditTable()), CATALOGUE, SUPERVISOR, zip_zone).zones == [
        "zip:94110"
    ]


def test_create_edit_pause_resume_delete_keep_item_and_schedule_together() -> None:
    store, schedules, audit = MemoryNotices(), MemorySchedules(), AuditTable()
    notice = make(store, schedules, audit)
    assert schedules.schedules[notice.notice_id].schedule == "cron(0 9 ? * MON *)"
    edited = edit_notice(
        store,
        schedules,
        AuditLog(audit),
        CATALOGUE,
        SUPERVISOR,
        notice.notice_id,
        REQUEST.model_copy(update={"schedule": "rate(7 days)"}),
    )
    assert edited.schedule == schedules.schedules[notice.notice_id].schedule == "rate(7 days)"
    assert edited.created_at == notice.created_at
    paused = set_state(store, schedules, AuditLog(audit), SUPERVISOR, notice.notice_id, "DISABLED")
    assert paused.state == schedules.schedules[notice.notice_id].state == "DISABLED"
    set_state(store, schedules, AuditLog(audit), SUPERVISOR, notice.notice_id, "ENABLED")
    delete_notice(store, schedules, AuditLog(audit), SUPERVISOR, notice.notice_id)
    assert store.items == {} and schedules.schedules == {}
    assert [i["action"] for i in audit.items] == [
        "notice.save",
        "notice.save",
        "notice.pause",
        "notice.resume",
        "notice.delete",
    ]
    with pytest.raises(NoticeNotFound):
        delete_notice(store, schedules, AuditLog(audit), SUPERVISOR, notice.notice_id)


def test_a_schedule_that_cannot_be_made_leaves_no_notice_behind() -> None:
    store = MemoryNotices()
    with pytest.raises(RuntimeError):
        make(store, MemorySchedules(fail=True))
    assert store.items == {}


def test_each_occurrence_becomes_one_alert_and_a_repeat_sends_nothing() -> None:
    store, alerts = MemoryNotices(), RecordingAlerts()
    notice = make(store, MemorySchedules())
    monday = FireEvent(notice_id=notice.notice_id, scheduled_time="2026-12-07T15:00:00Z")
    first = fire_notice(store, alerts, monday)
    assert first is not None
    assert fire_notice(store, alerts, monday) is None
    assert fire_notice(
        store, alerts, FireEvent(notice_id=notice.notice_id, scheduled_time="2026-12-14T15:00:00Z")
    )
    assert len(alerts.made) == 2
    assert store.items[notice.notice_id].fired_count == 2


def test_paused_or_deleted_notices_send_nothing() -> None:
    store, schedules, alerts = MemoryNotices(), MemorySchedules(), RecordingAlerts()
    notice = make(store, schedules)
    set_state(store, schedules, AuditLog(AuditTable()), SUPERVISOR, notice.notice_id, "DISABLED")
    assert (
        fire_notice(
            store, alerts, FireEvent(notice_id=notice.notice_id, scheduled_time="2026-12-07T15:00:00Z")
        )
        is None
    )
    assert (
        fire_notice(
            store, alerts, FireEvent(notice_id="nt" + "b" * 16, scheduled_time="2026-12-07T15:00:00Z")
        )
        is None
    )
    assert alerts.made == []


def test_a_failed_alert_lets_the_schedulers_retry_try_again() -> None:
    store = MemoryNotices()
    notice = make(store, MemorySchedules())
    event = FireEvent(notice_id=notice.notice_id, scheduled_time="2026-12-07T15:00:00Z")
    with pytest.raises(RuntimeError):
        fire_notice(store, RecordingAlerts(fail=True), event)
    assert fire_notice(store, RecordingAlerts(), event) is not None
