"""Reminders against moto: uploads (API and CSV) plan one record and one execution per (phone, kind, due
date) however often the file comes; each step sends in the resident's language, skips an opted-out resident,
waits out quiet hours; DONE, staff and a newer due date stop a record."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from inbox.dal.consent_table import ConsentTable
from inbox.logic.consent_changes import record_change
from inbox.models.consent import ALL_TOPICS, ConsentChange
from reminders.dal.reminders_table import RemindersTable
from reminders.logic.reminders import DEFAULT_PLANS, Sender, advance, send_times

from tests.integration.conftest import Aws, CapturedLogs, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_consent import inbound_event

ZONE = ZoneInfo("America/New_York")
SUPERVISOR = {
    "sub": "5555aaaa-0000-4000-8000-000000000005",
    "email": "s@example.gov",
    "cognito:groups": "[supervisor]",
}
ADMIN = {
    "sub": "adadadad-0000-4000-8000-00000000000d",
    "email": "ad@example.gov",
    "cognito:groups": "[admin]",
}
AGENT = {"sub": "aaaaaaaa-0000-4000-8000-00000000000a", "email": "a@example.gov", "cognito:groups": "[agent]"}


@pytest.fixture
def machine(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Any:
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = sfn.create_state_machine(
        name="ReminderWorkflow",
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    monkeypatch.setenv("REMINDER_STATE_MACHINE_ARN", arn)
    return sfn, arn


def api(
    agent_api: Any, context: LambdaContext, method: str, path: str, body: Any = None, claims: Any = SUPERVISOR
):
    return call(agent_api, context, api_event(method, path, body=body, claims=claims))


def in_days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


class Texts:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send_first(self, address: str, message_id: str, body: str) -> None:
        self.sent.append((address, message_id, body))


def sender(aws: Aws, texts: Texts, now: datetime) -> Sender:
    consent = ConsentTable(aws.table)
    return Sender(
        store=RemindersTable(aws.table),
        texts=texts,
        opted_out=lambda a: consent.load_state(a).opted_out_all,
        agency_name="Demo County",
        zone=ZONE,
        now=lambda: now,
    )


def test_an_upload_plans_each_record_once_however_often_it_comes(
    aws: Aws, agent_api: Any, context: LambdaContext, machine: Any
) -> None:
    csv = (
        "name,phone,language,due_date,kind\n"
        f"Ana Ruiz,(555) 555-0101,es,{in_days(40)},licence_renewal\n"
        f"Ben Li,555-555-0102,en,{in_days(10)},payment_due\n"
        f"Cy,+15555550103,en,{in_days(-2)},payment_due\n"
        f"Di,+15555550104,en,{in_days(5)},dog_licence\n"
        f"Ed,call me,en,{in_days(5)},payment_due\n"
    )
    status, result = api(agent_api, context, "POST", "/api/reminders/records", {"csv": csv})
    assert status == 200, result
    assert (result["planned"], result["already_planned"]) == (2, 0)
    assert [(e["row"], e["field"]) for e in result["errors"]] == [(4, "due_date"), (5, "kind"), (6, "phone")]
    assert "call me" not in json.dumps(result)

    again = api(agent_api, context, "POST", "/api/reminders/records", {"csv": csv})[1]
    assert (again["planned"], again["already_planned"]) == (0, 2)
    sfn, arn = machine
    executions = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert len(executions) == 2  # one per record, named by its id: starting twice started one

    records = {
        r["name"]: r
        for r in api(agent_api, context, "GET", "/api/reminders/records", claims=AGENT)[1]["records"]
    }
    assert {e["name"] for e in executions} == {r["record_id"] for r in records.values()}
    ana = records["Ana Ruiz"]
    assert ana["status"] == "planned" and ana["phone_last4"] == "0101" and len(ana["sends"]) == 3
    assert ana["next_send_at"] == ana["sends"][0]["at"]
    assert api(agent_api, context, "POST", "/api/reminders/records", {"csv": csv}, AGENT)[0] == 403


def test_a_changed_due_date_replans_and_the_old_record_stops(
    aws: Aws, agent_api: Any, context: LambdaContext, machine: Any
) -> None:
    row = {"name": "Ana", "phone": "+15555550101", "language": "en", "kind": "payment_due"}
    api(agent_api, context, "POST", "/api/reminders/records", {"records": [{**row, "due_date": in_days(20)}]})
    result = api(
        agent_api, context, "POST", "/api/reminders/records", {"records": [{**row, "due_date": in_days(30)}]}
    )[1]
    assert (result["planned"], result["replaced"]) == (1, 1)
    statuses = sorted(
        r["status"]
        for r in api(agent_api, context, "GET", "/api/reminders/records", claims=AGENT)[1]["records"]
    )
    assert statuses == ["planned", "replaced"]


def test_each_step_sends_in_the_residents_language_then_finishes(
    aws: Aws, agent_api: Any, context: LambdaContext, machine: Any
) -> None:
    record = {
        "name": "Ana Ruiz",
        "phone": "+15555550101",
        "language": "es",
        "kind": "payment_due",
        "due_date": in_days(20),
    }
    api(agent_api, context, "POST", "/api/reminders/records", {"records": [record]})
    (view,) = api(agent_api, context, "GET", "/api/reminders/records", claims=AGENT)[1]["records"]
    texts = Texts()
    first_at = datetime.fromisoformat(view["sends"][0]["at"].replace("Z", "+00:00"))
    step = sender(aws, texts, first_at)

    assert advance(step, view["record_id"], "plan", 0) == {
        "action": "wait",
        "until": view["sends"][0]["at"],
        "phase": "send",
        "index": 0,
    }
    assert advance(step, view["record_id"], "send", 0) == {"action": "continue", "phase": "plan", "index": 1}
    # A retried step sends the same message (same id): the sender stores and queues it once.
    advance(step, view["record_id"], "send", 0)
    assert len({m for _, m, _ in texts.sent}) == 1
    address, _, body = texts.sent[0]
    assert address == "+15555550101" and body.startswith("Demo County: Hola Ana, tiene un pago pendiente")
    for index in (1, 2):
        advance(step, view["record_id"], "send", index)
    assert advance(step, view["record_id"], "plan", 3)["action"] == "finish"
    (done,) = api(agent_api, context, "GET", "/api/reminders/records", claims=AGENT)[1]["records"]
    assert done["status"] == "finished" and [s["status"] for s in done["sends"]] == ["sent"] * 3


def test_quiet_hours_defer_and_an_opt_out_skips(
    aws: Aws, agent_api: Any, context: LambdaContext, machine: Any
) -> None:
    record = {"name": "Ben", "phone": "+15555550102", "kind": "payment_due", "due_date": in_days(20)}
    api(agent_api, context, "POST", "/api/reminders/records", {"records": [record]})
    (view,) = api(agent_api, context, "GET", "/api/reminders/records", claims=AGENT)[1]["records"]
    texts = Texts()
    # A retry landed the step at 23:30 in the agency's zone: it waits for 08:00, never drops the reminder.
    late = datetime.combine(
        date.today() + timedelta(days=6), datetime.min.time().replace(hour=23, minute=30), ZONE
    )
    answer = advance(sender(aws, texts, late.astimezone(UTC)), view["record_id"], "send", 0)
    assert answer["action"] == "wait" and answer["phase"] == "send" and answer["index"] == 0
    assert datetime.fromisoformat(answer["until"].replace("Z", "+00:00")).astimezone(ZONE).hour == 8
    assert texts.sent == []

    record_change(
        ConsentTable(aws.table),
        ConsentChange(
            address="+15555550102",
            channel="sms",
            topic=ALL_TOPICS,
            action="opt_out",
            at="2026-11-20T10:00:00.000000Z",
            source="keyword",
            source_id="SMstop",
        ),
    )
    morning = late.replace(hour=9, minute=0) + timedelta(days=1)
    assert (
        advance(sender(aws, texts, morning.astimezone(UTC)), view["record_id"], "send", 0)["action"]
        == "continue"
    )
    assert texts.sent == []
    (after,) = api(agent_api, context, "GET", "/api/reminders/records", claims=AGENT)[1]["records"]
    assert after["sends"][0]["status"] == "skipped_opted_out"


def test_done_by_text_and_complete_by_staff_stop_further_reminders(
    aws: Aws, agent_api: Any, inbound_consumer: Any, context: LambdaContext, machine: Any
) -> None:
    records = [
        {"name": "Ana", "phone": "+15555550123", "kind": "licence_renewal", "due_date": in_days(40)},
        {"name": "Ben", "phone": "+15555550102", "kind": "payment_due", "due_date": in_days(20)},
    ]
    api(agent_api, context, "POST", "/api/reminders/records", {"records": records})
    views = {
        r["name"]: r
        for r in api(agent_api, context, "GET", "/api/reminders/records", claims=AGENT)[1]["records"]
    }

    # The resident (inbound_event's sender, +15555550123) replies DONE.
    assert inbound_consumer.handler(inbound_event("Done", "SMdone1"), context) == {"batchItemFailures": []}
    queued = [json.loads(m["Body"]) for m in aws.queue_messages("OutboundQueue")]
    bodies = [
        aws.table.get_item(Key={"pk": f"THREAD#{j['thread_id']}", "sk": j["message_sk"]})["Item"]["body"]
        for j in queued
    ]
    assert any("We will not remind you about your licence renewal again" in b for b in bodies)

    status, completed = api(
        agent_api,
        context,
        "POST",
        f"/api/reminders/records/{views['Ben']['record_id']}/complete",
        claims=AGENT,
    )
    assert status == 200 and completed["status"] == "completed"
    assert (
        api(agent_api, context, "POST", "/api/reminders/records/" + "0" * 32 + "/complete", claims=AGENT)[0]
        == 404
    )

    texts = Texts()
    far = datetime.now(UTC) + timedelta(days=39)
    for view in views.values():
        assert advance(sender(aws, texts, far), view["record_id"], "send", 0)["action"] == "finish"
    assert texts.sent == []
    statuses = {
        r["name"]: (r["status"], r["stop_reason"])
        for r in api(agent_api, context, "GET", "/api/reminders/records", claims=AGENT)[1]["records"]
    }
    assert statuses["Ana"] == ("done", "the resident replied DONE") and statuses["Ben"][0] == "completed"


def test_admins_change_a_plan_and_bad_plans_are_refused(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    plan = {
        "kind": "payment_due",
        "offsets_days": [1, 5, 5],
        "send_hour": 9,
        "texts": {"en": "Pay by {due_date}, {name}."},
    }
    assert api(agent_api, context, "PUT", "/api/reminders/plans/payment_due", plan)[0] == 403  # a supervisor
    status, saved = api(agent_api, context, "PUT", "/api/reminders/plans/payment_due", plan, ADMIN)
    assert status == 200 and saved["offsets_days"] == [5, 1]
    bad = {**plan, "texts": {"en": "Pay {amount}"}}
    assert api(agent_api, context, "PUT", "/api/reminders/plans/payment_due", bad, ADMIN)[0] == 422
    plans = {
        p["kind"]: p for p in api(agent_api, context, "GET", "/api/reminders/plans", claims=AGENT)[1]["plans"]
    }
    assert plans["payment_due"]["send_hour"] == 9 and "licence_renewal" in plans


def test_send_times_fall_at_the_plans_hour_and_a_late_upload_still_gets_one_now() -> None:
    now = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)
    plan = DEFAULT_PLANS["licence_renewal"]
    times = send_times(date(2027, 1, 20), plan, ZONE, now)
    assert [datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(ZONE).hour for t in times] == [
        10,
        10,
        10,
    ]
    assert send_times(date(2026, 12, 6), plan, ZONE, now) == ["2026-12-05T15:00:00.000000Z"]
    assert send_times(date(2026, 12, 4), plan, ZONE, now) == []


def test_an_upload_logs_and_audits_no_residents_number_or_name(
    aws: Aws, agent_api: Any, context: LambdaContext, machine: Any, logs: CapturedLogs
) -> None:
    csv = (
        "name,phone,language,due_date,kind\n"
        f"Zelda Quintero,+15555550177,es,{in_days(40)},payment_due\n"
        f"Yusuf Okafor,+155555,en,{in_days(40)},payment_due\n"
        f"Xia Park,+15555550188,en,{in_days(40)},no_such_kind\n"
    )
    status, result = api(agent_api, context, "POST", "/api/reminders/records", {"csv": csv})
    assert status == 200 and len(result["errors"]) == 2

    audit = [str(i) for i in aws.items() if "reminders.upload" in str(i)]
    assert len(audit) == 1  # the upload is audited (counts only)
    written = logs.text() + audit[0]
    for personal in ("555555017", "+155555,", "555555018", "Zelda", "Yusuf", "Xia Park"):
        assert personal not in written
