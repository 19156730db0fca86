"""Click-to-call on the local stack: the real twilio SDK's calls.create reaches the Twilio-compatible
endpoint, which rings the agent's phone, dials the resident from the agency number and reports both legs,
signed, back into the thread."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from infra.local.stack import DEMO_AGENT_PASSWORD, LocalStack
from tests.e2e.test_local_stack_api import call, eventually, resident, thread_of, token

pytestmark = pytest.mark.e2e
_ = token  # the module-scoped fixture, signed in as the demo supervisor
AGENT_PHONE = "+15555550142"


def notes(stack: LocalStack, token: str, thread_id: str) -> list[str]:
    status, _, body = call(stack, "GET", f"/api/threads/{thread_id}/notes", token)
    assert status == 200
    return [n["body"] for n in json.loads(body)["notes"] if n["kind"] == "call"]


def test_the_agents_phone_rings_then_the_resident_is_dialled_and_progress_lands_in_the_thread(
    local_stack: LocalStack, token: str
) -> None:
    address = resident()
    local_stack.send_inbound(address, "Please call me about my water bill")
    thread = eventually(lambda: thread_of(local_stack, token, address))
    assert call(local_stack, "PUT", "/api/calls/phone", token, {"phone": AGENT_PHONE})[0] == 200

    status, _, body = call(local_stack, "POST", f"/api/calls/threads/{thread['thread_id']}", token)

    assert status == 201, body
    sid = json.loads(body)["call_sid"]
    placed = next(c for c in local_stack.twilio.calls if c["sid"] == sid)
    assert placed["to"] == AGENT_PHONE and placed["from"] == local_stack.twilio.agency_number
    dial = ET.fromstring(placed["twiml"]).find("Dial")  # noqa: S314 - TwiML our own stack wrote
    assert dial is not None and dial.get("callerId") == local_stack.twilio.agency_number
    child = eventually(lambda: [c for c in local_stack.twilio.calls if c.get("parent_call_sid") == sid])
    assert child[0]["to"] == address
    ended = eventually(
        lambda: "Call: call ended after 42 s." in notes(local_stack, token, thread["thread_id"])
    )
    assert ended
    assert "Call: the resident answered." in notes(local_stack, token, thread["thread_id"])


def test_a_resident_who_does_not_answer_is_recorded_as_such(local_stack: LocalStack, token: str) -> None:
    address = resident()
    local_stack.send_inbound(address, "Call me back")
    thread = eventually(lambda: thread_of(local_stack, token, address))
    local_stack.twilio.call_outcomes[address] = "no-answer"
    call(local_stack, "PUT", "/api/calls/phone", token, {"phone": AGENT_PHONE})
    assert call(local_stack, "POST", f"/api/calls/threads/{thread['thread_id']}", token)[0] == 201
    assert eventually(
        lambda: "Call: the resident did not answer." in notes(local_stack, token, thread["thread_id"])
    )


def test_an_agent_without_a_phone_or_access_is_told_and_nothing_is_dialled(
    local_stack: LocalStack, token: str
) -> None:
    address = resident()
    local_stack.send_inbound(address, "Hello")
    thread = eventually(lambda: thread_of(local_stack, token, address))
    # In water, Sam's department: Sam may work it (an agent works their departments' threads).
    to_water = {"department_id": "water", "note": "A water question"}
    transfer = f"/api/threads/{thread['thread_id']}/transfer"
    assert call(local_stack, "POST", transfer, token, to_water)[0] == 200
    sam = local_stack.sign_in("agent2@demo.switchboard.local", DEMO_AGENT_PASSWORD)
    before = len(local_stack.twilio.calls)
    call(local_stack, "PUT", "/api/calls/phone", sam, {"phone": None})
    status, _, body = call(local_stack, "POST", f"/api/calls/threads/{thread['thread_id']}", sam)
    assert status == 409 and "Add your phone number" in json.loads(body)["message"]
    # Assigned to the supervisor in a department Sam is not in: not Sam's to call, phone or not.
    dana = json.loads(call(local_stack, "GET", "/api/me", token)[2])["sub"]
    moved = {"department_id": "roads", "agent_sub": dana, "note": "Roads will call back"}
    assert call(local_stack, "POST", f"/api/threads/{thread['thread_id']}/transfer", token, moved)[0] == 200
    call(local_stack, "PUT", "/api/calls/phone", sam, {"phone": "+15555550143"})
    assert call(local_stack, "POST", f"/api/calls/threads/{thread['thread_id']}", sam)[0] == 403
    assert len(local_stack.twilio.calls) == before
