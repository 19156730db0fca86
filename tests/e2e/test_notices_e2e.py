"""Recurring notices on the local stack: a supervisor schedules one through the API, the local EventBridge
Scheduler fires the template's schedule (300x faster here: `rate(1 hour)` every 12 s) into NoticeFireFn, and
each occurrence becomes one alert that the alerts fan-out sends to the topic's subscribers. Pausing stops
it."""

from __future__ import annotations

import json
import time

import pytest

from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, LocalStack
from tests.e2e.test_consent_e2e import bodies_to, eventually, resident
from tests.e2e.test_local_stack_api import call

pytestmark = pytest.mark.e2e


def test_a_scheduled_notice_fires_as_alerts_until_paused(local_stack: LocalStack) -> None:
    # Given a resident who joined WATER by text with a ZIP code
    address = resident()
    local_stack.send_inbound(address, "JOIN WATER")
    eventually(lambda: any("ZIP" in b for b in bodies_to(local_stack, address)))
    local_stack.send_inbound(address, "94110")
    eventually(lambda: any("ZIP 94110" in b for b in bodies_to(local_stack, address)))
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
        # Non-emergency: sent now outside quiet hours, held till 08:00 inside them (either way, once).
        counted = figures["sent"] + figures["delivered"] + figures["waiting_quiet_hours"]
        return alert if alert["audience_total"] >= 1 and counted == alert["audience_total"] else None

    alert = eventually(reached, timeout_s=30)
    if alert["figures"]["waiting_quiet_hours"] == 0:
        assert request["texts"]["en"] in bodies_to(local_stack, address)
    notice = json.loads(call(local_stack, "GET", f"/api/notices/{notice_id}", supervisor)[2])["notice"]
    assert notice["fired_count"] >= 1

    # And once paused, no further occurrence goes out
    assert call(local_stack, "POST", f"/api/notices/{notice_id}/pause", supervisor)[0] == 200
    time.sleep(2)  # an occurrence already being sent when the pause landed may still finish
    paused_count = len(notice_alerts())
    time.sleep(15)  # more than one accelerated hour
    assert len(notice_alerts()) == paused_count
    assert call(local_stack, "DELETE", f"/api/notices/{notice_id}", supervisor)[0] == 204
