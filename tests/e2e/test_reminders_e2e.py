"""Reminders on the local stack, end to end: a supervisor uploads a CSV through the API, the synthesized
state machine runs in moto's interpreter (time accelerated) and each resident gets each planned reminder
once, in their language; the same file again sends nothing twice; DONE by text and "complete" by staff stop
the rest."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

import boto3
import pytest

from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, REGION, LocalStack
from infra.local.workflows import TimeScale
from tests.e2e.test_consent_e2e import bodies_to, eventually, resident
from tests.e2e.test_local_stack_api import call

pytestmark = pytest.mark.e2e

# A day of workflow time in under two seconds: the plan's waits (days) fit a test.
FAST = 50_000


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TimeScale, "factor", FAST)


def in_days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def upload(stack: LocalStack, token: str, csv: str) -> dict[str, object]:
    status, _, body = call(stack, "POST", "/api/reminders/records", token, {"csv": csv})
    assert status == 200, body
    return dict(json.loads(body))


def records(stack: LocalStack, token: str) -> dict[str, dict[str, object]]:
    body = json.loads(call(stack, "GET", "/api/reminders/records", token)[2])
    return {str(r["record_id"]): r for r in body["records"]}


def test_uploaded_reminders_arrive_once_each_in_the_residents_language(
    local_stack: LocalStack, fast: None
) -> None:
    supervisor = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)  # the demo lead is also admin
    plan = {
        "kind": "parking_permit",
        "offsets_days": [2, 1],
        "texts": {
            "en": "{agency}: {name}, your parking permit ends {due_date}.",
            "es": "{agency}: {name}, su permiso vence el {due_date}.",
        },
    }
    assert call(local_stack, "PUT", "/api/reminders/plans/parking_permit", supervisor, plan)[0] == 200
    ana, ben = resident(), resident()
    csv = (
        "name,phone,language,due_date,kind\n"
        f"Ana,{ana},es,{in_days(3)},parking_permit\nBen,{ben},en,{in_days(3)},parking_permit\n"
    )

    first = upload(local_stack, supervisor, csv)
    again = upload(local_stack, supervisor, csv)  # the same file twice: nothing new
    assert (first["planned"], again["planned"], again["already_planned"]) == (2, 0, 2)

    eventually(lambda: sum("su permiso vence" in b for b in bodies_to(local_stack, ana)) == 2, timeout_s=40)
    eventually(
        lambda: sum("your parking permit ends" in b for b in bodies_to(local_stack, ben)) == 2, timeout_s=40
    )
    planned = [r for r in records(local_stack, supervisor).values() if r["kind"] == "parking_permit"]
    eventually(
        lambda: all(
            r["status"] == "finished"
            for r in records(local_stack, supervisor).values()
            if r["kind"] == "parking_permit"
        ),
        timeout_s=20,
    )
    time.sleep(1.0)  # nothing more arrives
    assert sum("su permiso vence" in b for b in bodies_to(local_stack, ana)) == 2
    assert sum("your parking permit ends" in b for b in bodies_to(local_stack, ben)) == 2
    sfn = boto3.client("stepfunctions", endpoint_url=local_stack.moto_url, region_name=REGION)
    for record in planned:
        arn = (
            local_stack.state_machine_arn("ReminderWorkflow").replace(":stateMachine:", ":execution:")
            + ":"
            + str(record["record_id"])
        )
        assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"


def test_done_by_text_and_complete_by_staff_stop_the_reminders(local_stack: LocalStack, fast: None) -> None:
    supervisor = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    ana, ben = resident(), resident()
    # The first reminder is four days away: about 7 s of accelerated time.
    csv = (
        f"name,phone,due_date,kind\nAna,{ana},{in_days(5)},payment_due\nBen,{ben},{in_days(5)},payment_due\n"
    )
    upload(local_stack, supervisor, csv)
    ben_record = next(
        r
        for r in records(local_stack, supervisor).values()
        if r["name"] == "Ben" and r["status"] == "planned"
    )
    status, _, body = call(
        local_stack, "POST", f"/api/reminders/records/{ben_record['record_id']}/complete", supervisor
    )
    assert status == 200 and json.loads(body)["status"] == "completed"
    local_stack.send_inbound(ana, "DONE")
    eventually(
        lambda: any(
            "We will not remind you about your payment again" in b for b in bodies_to(local_stack, ana)
        )
    )

    time.sleep(12)  # past the first reminder's time
    assert not any("a payment is due" in b for b in bodies_to(local_stack, ana) + bodies_to(local_stack, ben))
    mine = {
        r["name"]: r
        for r in records(local_stack, supervisor).values()
        if r["name"] in ("Ana", "Ben") and r["kind"] == "payment_due"
    }
    assert mine["Ana"]["status"] == "done" and mine["Ben"]["status"] == "completed"
