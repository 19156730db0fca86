"""A resident calls the agency number on the local stack: the local Twilio endpoint posts the call to
/twilio/voice, signed, follows the TwiML and records what the caller heard. Each menu path end to end:
continue by text (exactly one SMS reaches the phone), a callback booked by voice (its workflow started),
today's alerts, a person (the on-call number rung; unanswered, a callback offered), silence twice."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, REGION, LocalStack
from infra.local.twilio_fake.ivr_calls import InboundCall
from tests.e2e.test_callback_workflow import execution
from tests.e2e.test_local_stack_api import call, eventually, resident

pytestmark = pytest.mark.e2e


def table(stack: LocalStack) -> Any:
    return boto3.resource("dynamodb", endpoint_url=stack.moto_url, region_name=REGION).Table(
        stack.outputs["TableName"]
    )


def heard(call: InboundCall) -> str:
    return " ".join(item["text"] for item in call.heard)


@pytest.fixture(scope="module")
def roster(local_stack: LocalStack) -> str:
    token = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    _, _, body = call(local_stack, "GET", "/api/me", token)
    code, _, body = call(
        local_stack, "PUT", "/api/callbacks/roster/general", token, {"staff": [json.loads(body)["sub"]]}
    )
    assert code == 200, body
    return token


def test_a_known_caller_continues_by_text_and_gets_exactly_one_sms(local_stack: LocalStack) -> None:
    stack = local_stack
    ana = resident()
    assert stack.send_inbound(ana, "Is the pool open on Sunday?")[0] == 200
    stack.wait_until_idle(timeout_s=30)
    calls = stack.twilio.inbound_calls

    ringing = calls.place(ana)
    assert ringing.webhook_statuses == [200]
    assert "open conversation" in heard(ringing) and "press 1" in heard(ringing)
    assert all(item["language"] == "en-US" for item in ringing.heard)
    done = calls.press(ringing.sid, digits="1")
    assert done.ended and "We sent you a text" in heard(done)

    stack.wait_until_idle(timeout_s=30)
    texts = eventually(lambda: [m for m in stack.twilio.messages_to(ana) if "continue by text" in m["body"]])
    assert len(texts) == 1
    thread_id = table(stack).get_item(Key={"pk": f"ADDR#{ana}", "sk": "RESIDENT"})["Item"]["thread_id"]
    notes = table(stack).query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :note)",
        ExpressionAttributeValues={":pk": f"THREAD#{thread_id}", ":note": "NOTE#"},
    )["Items"]
    assert [n["path"] for n in notes if n.get("kind") == "ivr_call"] == [["answered", "heard_status", "text"]]


def test_a_caller_books_a_callback_by_voice_and_its_workflow_starts(
    local_stack: LocalStack, roster: str
) -> None:
    stack = local_stack
    ben = resident()
    calls = stack.twilio.inbound_calls
    ringing = calls.place(ben)
    offer = calls.press(ringing.sid, speech="a callback please")
    assert "We can call you back at these times" in heard(offer) and not offer.ended
    booked = calls.press(ringing.sid, digits="2")
    assert booked.ended and "Your callback is booked for" in heard(booked)
    thread_id = table(stack).get_item(Key={"pk": f"ADDR#{ben}", "sk": "RESIDENT"})["Item"]["thread_id"]
    pointer = table(stack).get_item(Key={"pk": f"CBTHREAD#{thread_id}", "sk": "META"}).get("Item")
    assert pointer is not None
    assert execution(stack, str(pointer["callback_id"]))["status"] == "RUNNING"
    stack.wait_until_idle(timeout_s=30)
    # the confirmation text carries the words to change or cancel it
    eventually(lambda: [m for m in stack.twilio.messages_to(ben) if "CALLBACK CANCEL" in m["body"]])


def test_alerts_then_silence_twice_ends_the_call(local_stack: LocalStack) -> None:
    calls = local_stack.twilio.inbound_calls
    ringing = calls.place(resident())
    after_alerts = calls.press(ringing.sid, digits="3")
    assert "no alerts for your area today" in heard(after_alerts) and not after_alerts.ended
    once = calls.press(ringing.sid)
    assert "did not hear a choice" in heard(once) and not once.ended
    twice = calls.press(ringing.sid)
    assert twice.ended and twice.heard[-1]["text"] == "Thank you for calling. Goodbye."
    assert set(twice.webhook_statuses) == {200}


def test_a_person_is_rung_and_when_nobody_answers_a_callback_is_offered(local_stack: LocalStack) -> None:
    stack = local_stack
    on_call = "+15555550188"
    table(stack).put_item(Item={"pk": "TRIAGE", "sk": "ONCALL", "number": on_call, "page_url": ""})
    stack.twilio.call_outcomes[on_call] = "no-answer"
    try:
        calls = stack.twilio.inbound_calls
        ringing = calls.place(resident())
        missed = calls.press(ringing.sid, digits="0")
        assert missed.dialled == [on_call]
        assert "Connecting you to a person" in heard(missed) and "Nobody can answer right now" in heard(
            missed
        )
        assert not missed.ended  # waiting on the menu again: 2 books a callback
    finally:
        stack.twilio.call_outcomes.pop(on_call, None)
        table(stack).delete_item(Key={"pk": "TRIAGE", "sk": "ONCALL"})


def test_booking_by_voice_races_a_text_booking_for_the_last_place_in_a_slot(
    local_stack: LocalStack, roster: str
) -> None:
    """One staff member on the roster: each slot holds one callback. A caller hears the free times while a
    resident texting CALLBACK is offered the same first one; the text books it first (through the inbound
    pipeline), so the caller's "1" is told it was just taken and offered the next free times."""
    stack = local_stack
    caller, texter = resident(), resident()
    calls = stack.twilio.inbound_calls
    ringing = calls.place(caller)
    offer = calls.press(ringing.sid, digits="2")
    first_slot = next(item["text"] for item in offer.heard if item["text"].endswith("press 1."))

    assert stack.send_inbound(texter, "CALLBACK")[0] == 200
    stack.wait_until_idle(timeout_s=30)
    eventually(
        lambda: [m for m in stack.twilio.messages_to(texter) if "Reply with a number" in m["body"]], 15
    )
    assert stack.send_inbound(texter, "1")[0] == 200
    stack.wait_until_idle(timeout_s=30)
    eventually(lambda: [m for m in stack.twilio.messages_to(texter) if "booked" in m["body"]], 15)

    before = len(ringing.heard)  # the call's transcript grows in place
    lost = calls.press(ringing.sid, digits="1")
    assert "that time was just taken" in heard(lost) and not lost.ended
    reoffered = [item["text"] for item in lost.heard[before:] if item["text"].startswith("For ")]
    assert reoffered and first_slot not in reoffered
    won = calls.press(ringing.sid, digits="1")
    assert won.ended and "Your callback is booked for" in heard(won)
