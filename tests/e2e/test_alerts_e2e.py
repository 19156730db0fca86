"""Alerts on the local stack, end to end: residents subscribe by text, a supervisor sends an alert through the
API with a real Cognito token, the planner and the paced sender run from their queues, each phone in the local
Twilio receives it once, and the figures reach `delivered` from signed status callbacks. An agent gets 403."""

from __future__ import annotations

import json

import pytest

from infra.local.seed import DEMO_AGENT2_EMAIL
from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, LocalStack
from tests.e2e.test_consent_e2e import bodies_to, eventually, resident
from tests.e2e.test_local_stack_api import call

pytestmark = pytest.mark.e2e

TEXT = "Storm warning for Elm Park tonight: secure loose items. Reply with questions."


def test_a_supervisor_sends_an_alert_and_every_subscriber_gets_it_once(local_stack: LocalStack) -> None:
    # Given three residents who joined STORM by text with a ZIP code, and one in another ZIP
    residents = [resident() for _ in range(4)]
    for address, zip_code in zip(residents, ["94110", "94110", "94110", "94999"], strict=True):
        local_stack.send_inbound(address, "JOIN STORM")
        eventually(lambda a=address: any("ZIP" in b for b in bodies_to(local_stack, a)))
        local_stack.send_inbound(address, zip_code)
        eventually(lambda a=address, z=zip_code: any(f"ZIP {z}" in b for b in bodies_to(local_stack, a)))
    supervisor = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    agent = local_stack.sign_in(DEMO_AGENT2_EMAIL, DEMO_AGENT_PASSWORD)
    request = {
        "title": "Storm tonight",
        "topics": ["STORM"],
        "zones": ["zip:94110"],
        "texts": {"en": TEXT},
        # An emergency: the test must not depend on the hour it runs (quiet hours hold the others till 8:00).
        "emergency": True,
        "emergency_reason": "National Weather Service warning",
        "send_at": None,
        "track_links": False,
    }
    assert call(local_stack, "POST", "/api/alerts", agent, request)[0] == 403

    status, _, body = call(local_stack, "POST", "/api/alerts/preview", supervisor, request)
    assert status == 200
    assert json.loads(body)["audience"]["total"] >= 3

    # When the supervisor sends it now
    status, _, body = call(local_stack, "POST", "/api/alerts", supervisor, request)
    assert status == 201, body
    alert_id = json.loads(body)["alert"]["alert_id"]

    # Then each subscriber in the ZIP receives it exactly once, and the other does not
    for address in residents[:3]:
        eventually(lambda a=address: TEXT in bodies_to(local_stack, a), timeout_s=30)

    def alert() -> dict[str, object]:
        return dict(json.loads(call(local_stack, "GET", f"/api/alerts/{alert_id}", supervisor)[2])["alert"])

    done = eventually(
        lambda: (a := alert())["figures"]["delivered"] == a["audience_total"] and a,
        timeout_s=30,  # type: ignore[index]
    )
    assert done["status"] == "sent"
    for address in residents[:3]:
        assert bodies_to(local_stack, address).count(TEXT) == 1
    assert TEXT not in bodies_to(local_stack, residents[3])
    status, _, listed = call(local_stack, "GET", "/api/alerts", supervisor)
    assert alert_id in [a["alert_id"] for a in json.loads(listed)["alerts"]]
