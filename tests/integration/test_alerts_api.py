"""The alerts API against moto: roles, options, preview (audience per language, segments), create now or at
a time, cancel, and the refusals of the contract (docs/architecture.md, "Alerts")."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from tests.integration.alerts_support import AGENT, SUPERVISOR, add_topics, alerts_call, stop_all, subscribe
from tests.integration.conftest import ALERT_SCHEDULE_GROUP, REGION, Aws

ROUTES = [
    ("GET", "/api/alerts/options", None),
    ("POST", "/api/alerts/preview", {"topics": ["WATER"], "zones": [], "texts": {"en": "x"}}),
    ("POST", "/api/alerts", {"title": "t", "topics": ["WATER"], "zones": [], "texts": {"en": "x"}}),
    ("GET", "/api/alerts", None),
    ("GET", "/api/alerts/al0123456789abcdef", None),
    ("POST", "/api/alerts/al0123456789abcdef/cancel", None),
]


def alert_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Water shut-off, Elm St",
        "topics": ["WATER"],
        "zones": [],
        "texts": {"en": "Water is off on Elm St until 4 pm.", "es": "El agua está cortada hasta las 4."},
        "emergency": False,
        "emergency_reason": None,
        "send_at": None,
        "track_links": False,
    }
    body.update(overrides)
    return body


@pytest.fixture
def subscribers(aws: Aws) -> None:
    add_topics(aws.table, "WATER", "ROADS")
    subscribe(aws.table, "+15555550101", ["WATER"], ["zip:94110"], "en")
    subscribe(aws.table, "+15555550102", ["WATER", "ROADS"], ["zip:94110"], "es")
    subscribe(aws.table, "+15555550103", ["WATER"], ["zip:94112"], None)
    subscribe(aws.table, "+15555550104", ["ROADS"], ["zip:94112"], "vi")


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_agents_get_403_on_every_alert_route(
    aws: Aws, alerts_api: Any, method: str, path: str, body: Any
) -> None:
    status, answer = alerts_call(alerts_api, method, path, body, claims=AGENT)

    assert status == 403
    assert answer["message"] == "forbidden"  # the staff gate's answer (switchboard.staff_routes)
    assert aws.queue_messages("AlertPlanQueue") == []


def test_options_list_topics_zip_zones_languages_and_rate(subscribers: None, alerts_api: Any) -> None:
    status, body = alerts_call(alerts_api, "GET", "/api/alerts/options")

    assert status == 200
    assert body["topics"] == [{"id": "ROADS", "name": "Roads"}, {"id": "WATER", "name": "Water"}]
    assert {"id": "zip:94110", "name": "94110", "kind": "zip"} in body["zones"]
    assert "es" in body["languages"] and "en" in body["languages"]
    assert body["rate_per_second"] == 50


def test_preview_counts_the_audience_per_language_once_per_resident(
    subscribers: None, alerts_api: Any
) -> None:
    status, body = alerts_call(
        alerts_api,
        "POST",
        "/api/alerts/preview",
        {"topics": ["WATER", "ROADS"], "zones": ["zip:94110"], "texts": {"en": "Water’s off", "es": "Agua"}},
    )

    assert status == 200
    # 0101 (en) and 0102 (es, on both topics: once); 0103 and 0104 live in another ZIP.
    assert body["audience"] == {"total": 2, "by_language": {"en": 1, "es": 1}, "by_channel": {"sms": 2}}
    # Issue 22: what it will cost per channel at list prices (one UCS-2 segment a text here).
    assert body["cost"] == {
        "by_channel": {"sms": 0.0166, "voice": 0.0, "email": 0.0},
        "total_usd": 0.0166,
        "image": False,
    }
    assert body["texts"]["en"] == {"encoding": "UCS-2", "segments": 1, "characters": 11, "forced_by": ["’"]}
    assert body["texts"]["es"]["encoding"] == "GSM-7"


def test_preview_with_every_zone_serves_unwritten_languages_in_english(
    subscribers: None, alerts_api: Any
) -> None:
    status, body = alerts_call(
        alerts_api,
        "POST",
        "/api/alerts/preview",
        {"topics": ["ROADS"], "zones": [], "texts": {"en": "Road closed"}},
    )

    assert status == 200
    assert body["audience"] == {"total": 2, "by_language": {"en": 2}, "by_channel": {"sms": 2}}
    # Before sending, the composer is told who gets a language they did not choose (issue 20)
    assert body["fallbacks"] == [
        {"reads": "es", "gets": "en", "residents": 1},
        {"reads": "vi", "gets": "en", "residents": 1},
    ]


def test_machine_translation_for_review_is_refused_with_503_when_the_agency_turned_it_off(
    aws: Aws, subscribers: None, alerts_api: Any
) -> None:
    from translation.dal.translation_table import TranslationTable
    from translation.models.translation import TranslationSettings

    # Off by the admin: refused before any call to Amazon Translate (the stand-in's drafts: browser test)
    TranslationTable(aws.table).save_settings(
        TranslationSettings(enabled=False), "admin", "2026-12-07T00:00:00Z"
    )
    request = {"text": "Road closed", "source": "en", "target": "es"}
    status, answer = alerts_call(alerts_api, "POST", "/api/alerts/translate", request)
    assert (status, answer["error"]) == (503, "translation_unavailable")
    status, answer = alerts_call(alerts_api, "POST", "/api/alerts/translate", {**request, "target": "xx"})
    assert (status, answer["error"]) == (400, "unknown_language")
    status, answer = alerts_call(alerts_api, "POST", "/api/alerts/translate", {**request, "text": ""})
    assert (status, answer["error"]) == (400, "invalid_request")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"topics": [], "zones": [], "texts": {"en": "x"}}, "invalid_request"),
        ({"topics": ["NOPE"], "zones": [], "texts": {"en": "x"}}, "unknown_topic"),
        ({"topics": ["WATER"], "zones": ["area:nowhere"], "texts": {"en": "x"}}, "unknown_zone"),
        ({"topics": ["WATER"], "zones": [], "texts": {"xx": "x"}}, "unknown_language"),
    ],
)
def test_preview_refusals(subscribers: None, alerts_api: Any, body: dict[str, Any], error: str) -> None:
    status, answer = alerts_call(alerts_api, "POST", "/api/alerts/preview", body)

    assert status == 400
    assert answer["error"] == error
    assert answer["message"]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"emergency": True, "emergency_reason": "  "}, "emergency_reason_required"),
        ({"send_at": "2020-01-01T09:00:00-05:00"}, "send_at_in_past"),
        ({"send_at": "2099-01-01T09:00:00"}, "invalid_send_at"),
        ({"send_at": "tomorrow"}, "invalid_send_at"),
        ({"topics": ["NOPE"]}, "unknown_topic"),
        ({"texts": {"en": "   "}}, "empty_text"),
        ({"title": ""}, "invalid_request"),
    ],
)
def test_create_refusals_store_and_send_nothing(
    aws: Aws, subscribers: None, alerts_api: Any, overrides: dict[str, Any], error: str
) -> None:
    status, answer = alerts_call(alerts_api, "POST", "/api/alerts", alert_body(**overrides))

    assert (status, answer["error"]) == (400, error)
    assert aws.queue_messages("AlertPlanQueue") == []
    assert not [i for i in aws.items() if str(i["pk"]).startswith("ALERT#")]


def test_send_now_creates_the_alert_and_queues_its_plan(aws: Aws, subscribers: None, alerts_api: Any) -> None:
    status, body = alerts_call(alerts_api, "POST", "/api/alerts", alert_body())

    assert status == 201
    alert = body["alert"]
    assert alert["status"] == "scheduled" and alert["send_at"] is None
    assert alert["created_by"] == SUPERVISOR["email"]
    assert set(alert["figures"]) == {
        "queued",
        "sent",
        "delivered",
        "failed",
        "undelivered",
        "opted_out",
        "waiting_quiet_hours",
        "clicks",
    }
    [message] = aws.queue_messages("AlertPlanQueue")
    assert json.loads(message["Body"]) == {"kind": "alert.plan", "alert_id": alert["alert_id"]}
    status, listed = alerts_call(alerts_api, "GET", "/api/alerts")
    assert [a["alert_id"] for a in listed["alerts"]] == [alert["alert_id"]]
    status, one = alerts_call(alerts_api, "GET", f"/api/alerts/{alert['alert_id']}")
    assert one["alert"]["texts"]["es"].startswith("El agua")


def test_emergency_keeps_its_reason(subscribers: None, alerts_api: Any) -> None:
    status, body = alerts_call(
        alerts_api, "POST", "/api/alerts", alert_body(emergency=True, emergency_reason="Boil-water order")
    )

    assert status == 201
    assert body["alert"]["emergency"] is True
    assert body["alert"]["emergency_reason"] == "Boil-water order"


def test_a_scheduled_alert_has_a_one_time_schedule_and_cancel_deletes_it(
    aws: Aws, subscribers: None, alerts_api: Any
) -> None:
    day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    status, body = alerts_call(alerts_api, "POST", "/api/alerts", alert_body(send_at=f"{day}T09:30:00-04:00"))
    assert status == 201
    alert_id = body["alert"]["alert_id"]
    assert body["alert"]["send_at"] == f"{day}T13:30:00.000000Z"
    scheduler = boto3.client("scheduler", region_name=REGION)
    schedule = scheduler.get_schedule(GroupName=ALERT_SCHEDULE_GROUP, Name=f"alert-{alert_id}")
    assert schedule["ScheduleExpression"] == f"at({day}T13:30:00)"
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert json.loads(schedule["Target"]["Input"]) == {"kind": "alert.plan", "alert_id": alert_id}
    assert aws.queue_messages("AlertPlanQueue") == []

    status, cancelled = alerts_call(alerts_api, "POST", f"/api/alerts/{alert_id}/cancel")

    assert status == 200
    assert cancelled["alert"]["status"] == "cancelled"
    assert scheduler.list_schedules(GroupName=ALERT_SCHEDULE_GROUP)["Schedules"] == []
    status, again = alerts_call(alerts_api, "POST", f"/api/alerts/{alert_id}/cancel")
    assert (status, again["error"]) == (409, "not_cancellable")


def test_unknown_alert_is_404(subscribers: None, alerts_api: Any) -> None:
    status, body = alerts_call(alerts_api, "GET", "/api/alerts/al0000000000000000")

    assert (status, body["error"]) == (404, "not_found")


def test_opted_out_residents_leave_the_subscriber_lists(aws: Aws, subscribers: None, alerts_api: Any) -> None:
    stop_all(aws.table, "+15555550101")

    status, body = alerts_call(
        alerts_api, "POST", "/api/alerts/preview", {"topics": ["WATER"], "zones": [], "texts": {"en": "x"}}
    )

    assert body["audience"]["total"] == 2
