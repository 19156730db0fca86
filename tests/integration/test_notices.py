"""Recurring notices against moto: supervisors manage them (each one an EventBridge Scheduler schedule), and a
fired occurrence becomes an alert that the alerts fan-out sends to the topic's current subscribers, consent
respected, once."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.integration.alerts_support import (
    AGENT,
    SUPERVISOR,
    InMemoryTwilio,
    add_topics,
    alerts_call,
    stop_all,
    subscribe,
)
from tests.integration.conftest import ACCOUNT_ID, REGION, Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_alert_fanout import carrier, plan_and_collect, send

_ = carrier  # the in-memory carrier under the alert sender (a fixture)
GROUP = "switchboard-notices"
FIRE_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:switchboard-NoticeFireFn"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/switchboard-notice-scheduler"
DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:switchboard-NoticeScheduleDlq"
NOTICE = {
    "title": "Weekly testing sites",
    "topic": "WATER",
    "zones": [],
    "texts": {"en": "Testing this week: Elm St clinic 9-5.", "es": "Pruebas esta semana: clínica Elm 9-5."},
    "schedule": "cron(0 9 ? * MON *)",
    "timezone": "America/Chicago",
}


def _fresh(name: str) -> Any:
    sys.modules.pop(name, None)
    return importlib.import_module(name)


@pytest.fixture
def notices_api(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in (
        ("NOTICE_SCHEDULE_GROUP", GROUP),
        ("NOTICE_FIRE_FUNCTION_ARN", FIRE_ARN),
        ("NOTICE_SCHEDULER_ROLE_ARN", ROLE_ARN),
        ("NOTICE_DLQ_ARN", DLQ_ARN),
    ):
        monkeypatch.setenv(name, value)
    boto3.client("scheduler", region_name=REGION).create_schedule_group(Name=GROUP)
    add_topics(aws.table, "WATER", "ROADS")
    module = _fresh("app.handlers.notice_routes")
    yield module
    module.dependencies.cache_clear()


@pytest.fixture
def notice_fire(aws: Aws) -> Iterator[Any]:
    module = _fresh("app.handlers.fire_notice")
    yield module
    module.dependencies.cache_clear()


def notices_call(
    api: Any, method: str, path: str, body: Any = None, claims: dict[str, Any] = SUPERVISOR
) -> tuple[int, Any]:
    event = api_event(method, path, body=body, claims=claims)
    event["routeKey"] = "ANY /api/notices/{proxy+}" if path != "/api/notices" else "ANY /api/notices"
    return call(api, LambdaContext(), event)


def schedule(notice_id: str) -> dict[str, Any]:
    return dict(boto3.client("scheduler", region_name=REGION).get_schedule(GroupName=GROUP, Name=notice_id))


def create(api: Any, **overrides: Any) -> dict[str, Any]:
    status, body = notices_call(api, "POST", "/api/notices", {**NOTICE, **overrides})
    assert status == 201, body
    return dict(body["notice"])


def test_a_supervisor_creates_a_notice_and_its_schedule_calls_the_fire_function(notices_api: Any) -> None:
    notice = create(notices_api)
    assert notice["state"] == "ENABLED" and notice["created_by"] == SUPERVISOR["sub"]
    made = schedule(notice["notice_id"])
    assert made["ScheduleExpression"] == "cron(0 9 ? * MON *)"
    assert made["ScheduleExpressionTimezone"] == "America/Chicago"
    assert made["State"] == "ENABLED"
    assert made["Target"]["Arn"] == FIRE_ARN and made["Target"]["RoleArn"] == ROLE_ARN
    assert made["Target"]["DeadLetterConfig"] == {"Arn": DLQ_ARN}
    assert json.loads(made["Target"]["Input"]) == {
        "notice_id": notice["notice_id"],
        "scheduled_time": "<aws.scheduler.scheduled-time>",
    }
    status, listed = notices_call(notices_api, "GET", "/api/notices")
    assert status == 200 and [n["notice_id"] for n in listed["notices"]] == [notice["notice_id"]]
    status, options = notices_call(notices_api, "GET", "/api/notices/options")
    assert status == 200 and {t["id"] for t in options["topics"]} == {"WATER", "ROADS"}


def test_pause_resume_edit_and_delete_move_the_schedule_with_the_notice(notices_api: Any, aws: Aws) -> None:
    notice_id = create(notices_api)["notice_id"]
    assert (
        notices_call(notices_api, "POST", f"/api/notices/{notice_id}/pause")[1]["notice"]["state"]
        == "DISABLED"
    )
    assert schedule(notice_id)["State"] == "DISABLED"
    assert notices_call(notices_api, "POST", f"/api/notices/{notice_id}/resume")[0] == 200
    assert schedule(notice_id)["State"] == "ENABLED"
    status, edited = notices_call(
        notices_api,
        "PUT",
        f"/api/notices/{notice_id}",
        {**NOTICE, "schedule": "rate(7 days)", "timezone": "UTC"},
    )
    assert status == 200 and edited["notice"]["schedule"] == "rate(7 days)"
    assert schedule(notice_id)["ScheduleExpression"] == "rate(7 days)"
    assert notices_call(notices_api, "DELETE", f"/api/notices/{notice_id}")[0] == 204
    assert notices_call(notices_api, "GET", f"/api/notices/{notice_id}")[0] == 404
    with pytest.raises(Exception, match="ResourceNotFound"):
        schedule(notice_id)
    actions = sorted(i["action"] for i in aws.items() if i["pk"].startswith("AUDIT#"))
    assert actions == ["notice.delete", "notice.pause", "notice.resume", "notice.save", "notice.save"]


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"schedule": "rate(5 minutes)"}, 422),
        ({"schedule": "cron(0 9 * * MON *)"}, 422),
        ({"timezone": "Mars/Olympus"}, 422),
        ({"texts": {}}, 422),
        ({"topic": "PARKS"}, 400),
        ({"zones": ["nowhere"]}, 400),
        ({"texts": {"xx": "hi"}}, 400),
    ],
)
def test_bad_notices_are_refused_and_nothing_is_scheduled(
    notices_api: Any, change: dict[str, Any], status: int
) -> None:
    answer = notices_call(notices_api, "POST", "/api/notices", {**NOTICE, **change})
    assert answer[0] == status, answer
    assert boto3.client("scheduler", region_name=REGION).list_schedules(GroupName=GROUP)["Schedules"] == []


def test_agents_may_not_manage_notices(notices_api: Any) -> None:
    assert notices_call(notices_api, "GET", "/api/notices", claims=AGENT)[0] == 403
    assert notices_call(notices_api, "POST", "/api/notices", NOTICE, claims=AGENT)[0] == 403


def test_a_fired_notice_is_an_alert_the_fan_out_sends_to_current_subscribers_with_consent(
    aws: Aws,
    notices_api: Any,
    notice_fire: Any,
    alerts_api: Any,
    alert_planner: Any,
    alert_sender: Any,
    carrier: InMemoryTwilio,
) -> None:
    subscribe(aws.table, "+15555550201", ["WATER"], ["zip:94110"], "en")
    subscribe(aws.table, "+15555550202", ["WATER"], ["zip:94110"], "es")
    subscribe(aws.table, "+15555550203", ["WATER"], ["zip:94110"], "en")
    subscribe(aws.table, "+15555550204", ["ROADS"], ["zip:94110"], "en")
    stop_all(aws.table, "+15555550203")  # opted out: gets nothing
    notice_id = create(notices_api)["notice_id"]
    occurrence = {"notice_id": notice_id, "scheduled_time": "2026-12-07T15:00:00Z"}

    fired = notice_fire.handler(occurrence, LambdaContext())
    again = notice_fire.handler(occurrence, LambdaContext())  # Scheduler delivers at least once

    assert fired["alert_id"] and again == {"alert_id": None}
    status, alerts = alerts_call(alerts_api, "GET", "/api/alerts")
    assert status == 200 and [a["alert_id"] for a in alerts["alerts"]] == [fired["alert_id"]]
    assert alerts["alerts"][0]["created_by"] == f"notice:{notice_id}"
    assert alerts["alerts"][0]["emergency"] is False
    send(alert_sender, plan_and_collect(aws, alert_planner))
    assert sorted(m.to for m in carrier.messages) == ["+15555550201", "+15555550202"]
    assert {m.body for m in carrier.sent_to("+15555550202")} == {NOTICE["texts"]["es"]}
    notice = notices_call(notices_api, "GET", f"/api/notices/{notice_id}")[1]["notice"]
    assert notice["fired_count"] == 1 and notice["last_alert_id"] == fired["alert_id"]


def test_a_paused_notice_that_fires_anyway_sends_nothing(
    aws: Aws, notices_api: Any, notice_fire: Any, alerts_api: Any
) -> None:
    subscribe(aws.table, "+15555550201", ["WATER"], ["zip:94110"], "en")
    notice_id = create(notices_api)["notice_id"]
    notices_call(notices_api, "POST", f"/api/notices/{notice_id}/pause")
    fired = notice_fire.handler(
        {"notice_id": notice_id, "scheduled_time": "2026-12-07T15:00:00Z"}, LambdaContext()
    )
    assert fired == {"alert_id": None}
    assert alerts_call(alerts_api, "GET", "/api/alerts")[1]["alerts"] == []
    malformed = notice_fire.handler({"notice_id": "../etc"}, LambdaContext())
    assert malformed["alert_id"] is None
