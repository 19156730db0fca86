"""Recurring notices on the local stack: a supervisor schedules one through the API, the local EventBridge
Scheduler fires the template's schedule (300x faster here: `rate(1 hour)` every 12 s) into NoticeFireFn, and
each occurrence becomes one alert that the alerts fan-out sends to the topic's subscribers. Pausing stops
it: the scheduler's clock is moved past the next occurrences, not waited for."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, LocalStack
from infra.local.workflows import TimeScale
from tests.e2e.test_consent_e2e import bodies_to, eventually, resident, table
from tests.e2e.test_local_stack_api import call

pytestmark = pytest.mark.e2e


def afternoon_zone(now: datetime) -> str:
    """A fixed-offset IANA zone in which `now` is 13:xx: as far from quiet hours (21:00-08:00) as can be."""
    hours_ahead = 13 - now.astimezone(UTC).hour  # -10 .. +13: every one an Etc/GMT zone
    if hours_ahead == 0:
        return "Etc/GMT"
    # POSIX signs: Etc/GMT-3 is three hours ahead of UTC.
    return f"Etc/GMT-{hours_ahead}" if hours_ahead > 0 else f"Etc/GMT+{-hours_ahead}"


def advance_scheduler(stack: LocalStack, by: timedelta) -> None:
    """Move the local scheduler's clock forward by `by` of schedule time, and wait for a pass that saw it."""
    scheduler = stack.scheduler
    earlier, jump = scheduler.now, by / TimeScale.factor
    scheduler.now = lambda: earlier() + jump
    passes = scheduler.passes
    eventually(lambda: scheduler.passes >= passes + 2)


def test_a_scheduled_notice_fires_as_alerts_until_paused(local_stack: LocalStack) -> None:
    # Given a resident who joined WATER by text with a ZIP code
    address = resident()
    local_stack.send_inbound(address, "JOIN WATER")
    eventually(lambda: any("ZIP" in b for b in bodies_to(local_stack, address)))
    local_stack.send_inbound(address, "94110")
    eventually(lambda: any("ZIP 94110" in b for b in bodies_to(local_stack, address)))
    # The resident's own zone is one where it is early afternoon now, so the notice is due at once whatever
    # the hour in the lab (quiet hours are tested on frozen clocks in the unit and integration tiers).
    table(local_stack).update_item(
        Key={"pk": f"ADDR#{address}", "sk": "CONSENT"},
        UpdateExpression="SET time_zone = :zone",
        ExpressionAttributeValues={":zone": afternoon_zone(datetime.now(UTC))},
    )
    supervisor = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    request = {
        "title": "Hydrant flushing this week",
        "topic": "WATER",
        "zones": ["zip:94110"],
        "texts": {"en": "Hydrant flushing on your street this week: water may look cloudy."},
        "schedule": "rate(1 hour)",
        "timezone": "America/New_York",
    }

    # When a supervisor schedules the notice
    status, _, body = call(local_stack, "POST", "/api/notices", supervisor, request)
    assert status == 201, body
    notice_id = json.loads(body)["notice"]["notice_id"]

    # Then its schedule fires and each occurrence is an alert from the notice, sent to the subscriber
    def notice_alerts() -> list[dict[str, object]]:
        alerts = json.loads(call(local_stack, "GET", "/api/alerts", supervisor)[2])["alerts"]
        return [a for a in alerts if a["created_by"] == f"notice:{notice_id}"]

    first = eventually(notice_alerts, timeout_s=40)[0]

    def reached() -> dict[str, object] | None:
        alert = json.loads(call(local_stack, "GET", f"/api/alerts/{first['alert_id']}", supervisor)[2])[
            "alert"
        ]
        figures = alert["figures"]
        # Other tests' subscribers share the session's stack; those whose zone is in quiet hours wait.
        counted = figures["sent"] + figures["delivered"] + figures["waiting_quiet_hours"]
        settled = alert["audience_total"] >= 1 and counted == alert["audience_total"]
        return alert if settled and request["texts"]["en"] in bodies_to(local_stack, address) else None

    # This subscriber's afternoon is never quiet hours: the text reached them
    eventually(reached, timeout_s=30)
    notice = json.loads(call(local_stack, "GET", f"/api/notices/{notice_id}", supervisor)[2])["notice"]
    assert notice["fired_count"] >= 1

    # And once paused, no further occurrence goes out
    assert call(local_stack, "POST", f"/api/notices/{notice_id}/pause", supervisor)[0] == 200
    local_stack.wait_until_idle(timeout_s=30)  # an occurrence being sent when the pause landed finishes
    paused_count = len(notice_alerts())
    fired = len(local_stack.scheduler.fired)
    assert any(key[1] == notice_id for key in local_stack.scheduler.fired[:fired])  # it fired while enabled
    advance_scheduler(local_stack, timedelta(hours=3))  # three occurrences' worth, had it not been paused
    local_stack.wait_until_idle(timeout_s=30)
    assert len(notice_alerts()) == paused_count
    assert all(key[1] != notice_id for key in local_stack.scheduler.fired[fired:])
    assert call(local_stack, "DELETE", f"/api/notices/{notice_id}", supervisor)[0] == 204
