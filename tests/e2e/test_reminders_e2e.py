"""Reminders on the local stack, end to end: a supervisor uploads a CSV through the API, the synthesized
state machine runs in moto's interpreter (time accelerated) and each resident gets each planned reminder
once, in their language; the same file again sends nothing twice; DONE by text and "complete" by staff stop
the rest."""

from __future__ import annotations

import json
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


def execution_status(stack: LocalStack, record_id: object) -> str:
    """The reminder workflow's execution for one record (named after it): RUNNING, SUCCEEDED, ..."""
    sfn = boto3.client("stepfunctions", endpoint_url=stack.moto_url, region_name=REGION)
    arn = stack.state_machine_arn("ReminderWorkflow").replace(":stateMachine:", ":execution:")
    return str(sfn.describe_execution(executionArn=f"{arn}:{record_id}")["status"])


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
    # Nothing more arrives: every workflow has ended and every queue is drained (not a pause and a hope).
    assert [execution_status(local_stack, record["record_id"]) for record in planned] == ["SUCCEEDED"] * 2
    local_stack.wait_until_idle(timeout_s=30)
    assert sum("su permiso vence" in b for b in bodies_to(local_stack, ana)) == 2
    assert sum("your parking permit ends" in b for b in bodies_to(local_stack, ben)) == 2


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

    mine = {
        r["name"]: r
        for r in records(local_stack, supervisor).values()
        if r["name"] in ("Ana", "Ben") and r["kind"] == "payment_due"
    }
    assert mine["Ana"]["status"] == "done" and mine["Ben"]["status"] == "completed"
    # Each workflow wakes at the first reminder's time, finds its record closed and ends without sending:
    # wait for that end (and the queues to drain) instead of sleeping past the time.
    eventually(
        lambda: all(execution_status(local_stack, r["record_id"]) != "RUNNING" for r in mine.values()),
        timeout_s=40,
    )
    assert {execution_status(local_stack, r["record_id"]) for r in mine.values()} == {"SUCCEEDED"}
    local_stack.wait_until_idle(timeout_s=30)
    assert not any("a payment is due" in b for b in bodies_to(local_stack, ana) + bodies_to(local_stack, ben))


@pytest.mark.browser
def test_staff_upload_and_follow_reminders_on_the_agent_page(chromium, local_stack: LocalStack) -> None:
    from playwright.sync_api import expect

    from infra.local.seed import DEMO_AGENT2_EMAIL
    from tests.e2e.browser import DESKTOP, PHONE, new_page
    from tests.e2e.test_agent_browser import assert_axe_clean, assert_clean, assert_fits_the_screen
    from tests.e2e.test_workspace_browser import sign_in_as

    url = local_stack.api_url.rstrip("/") + "/"
    cy = resident()
    csv = (
        "name,phone,language,due_date,kind\n"
        f"Cy Pérez,{cy},es,{in_days(60)},licence_renewal\nZed,nope,en,{in_days(60)},licence_renewal\n"
    )
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in_as(page, url, DEMO_AGENT_EMAIL)
        page.get_by_role("link", name="Reminders").click()
        expect(page.get_by_role("heading", name="Reminders", exact=True)).to_be_focused()
        view = page.locator("#reminders-view")
        view.get_by_label("CSV file").set_input_files(
            files=[{"name": "renewals.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
        )
        view.get_by_role("button", name="Upload").click()
        expect(page.locator("#reminder-upload-result")).to_contain_text("1 planned, 0 already planned")
        expect(page.locator("#reminder-upload-result")).to_contain_text("Row 3, phone:")
        item = page.locator("#reminder-list li.notice", has_text=f"Cy Pérez (…{cy[-4:]})")
        expect(item).to_contain_text("Planned · next reminder")
        assert_axe_clean(page, "the reminders view")
        assert_clean(watch)

    # An agent sees the records (no upload) and marks one complete.
    with new_page(chromium, PHONE) as (page, watch):
        sign_in_as(page, url, DEMO_AGENT2_EMAIL)
        page.goto(url + "#reminders")
        expect(page.locator("#reminder-upload")).to_be_hidden()
        item = page.locator("#reminder-list li.notice", has_text=f"Cy Pérez (…{cy[-4:]})")
        item.get_by_role("button", name=f"Complete: no more reminders for Cy Pérez (…{cy[-4:]})").click()
        expect(item).to_contain_text("Stopped: marked complete")
        assert_fits_the_screen(page, PHONE)
        assert_axe_clean(page, "the reminders view at 360 px")
        assert_clean(watch)
