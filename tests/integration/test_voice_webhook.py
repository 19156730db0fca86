"""The voice webhook against moto: VoiceFn's handler judges Twilio's signature like the messaging webhooks,
answers each turn of a call with TwiML, and does what the caller chose once: one text into their thread, a
callback booked through the callback workflow (racing a text booking for the same slot), the call on the
thread's timeline and in the reports' figures."""

from __future__ import annotations

import base64
import importlib
import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from switchboard.report_keys import ALL_SCOPE, report_pk
from switchboard.table_keys import CONSENT_LEDGER_PREFIX
from switchboard.twilio_signature import compute_signature, parse_form_body, signed_url

from events import SAMPLE_CONFIG, load_event
from tests.integration.conftest import REGION, Aws, LambdaContext
from tests.integration.seed import THREAD_ID, callback_workflow, seed_conversation

RESIDENT = "+15555550123"  # the seeded conversation's resident
AGENCY = "+15555550100"
CALL_SID = "CA" + "d4" * 16


@pytest.fixture
def voice(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    callback_workflow(aws.table, monkeypatch, ["agent-1"], REGION)
    sys.modules.pop("channels.handlers.voice_webhook", None)
    module = importlib.import_module("channels.handlers.voice_webhook")
    yield module
    module.ivr.cache_clear()


def voice_event(
    query: str = "", *, token: str = SAMPLE_CONFIG["auth_token"], **fields: str
) -> dict[str, Any]:
    params = {
        "CallSid": CALL_SID,
        "AccountSid": SAMPLE_CONFIG["account_sid"],
        "From": RESIDENT,
        "To": AGENCY,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        **fields,
    }
    event = load_event("apigw/twilio_status_delivered.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/twilio/voice"
    event["routeKey"] = "POST /twilio/voice"
    event["rawQueryString"] = query
    event["body"] = base64.b64encode(urlencode(params).encode()).decode()
    form = parse_form_body(event["body"], True)
    url = signed_url(SAMPLE_CONFIG["PUBLIC_API_URL"], "/twilio/voice", query)
    event["headers"]["x-twilio-signature"] = compute_signature(token, url, form)
    return event


def post(module: Any, query: str = "", **fields: str) -> tuple[int, str]:
    response = module.handler(voice_event(query, **fields), LambdaContext())
    return response["statusCode"], response["body"]


def root(twiml: str) -> ET.Element:
    return ET.fromstring(twiml)  # noqa: S314 - the handler's own TwiML


def said(twiml: str) -> str:
    return " ".join(node.text or "" for node in root(twiml).iter("Say"))


def next_query(twiml: str) -> str:
    node = root(twiml).find("Gather")
    if node is None:
        node = root(twiml).find("Dial")
    assert node is not None, twiml
    return urlsplit(node.attrib["action"]).query


def test_a_post_not_signed_by_twilio_is_refused_and_answers_no_twiml(voice: Any) -> None:
    response = voice.handler(voice_event(token="not-our-token"), LambdaContext())  # noqa: S106
    assert response["statusCode"] == 403 and "<Response" not in response["body"]
    event = voice_event()
    event["rawQueryString"] = "step=menu&n=1&r=0"  # signed for another URL: the query is part of it
    assert voice.handler(event, LambdaContext())["statusCode"] == 403


def test_a_known_caller_hears_their_open_conversation_and_continues_by_text_once(
    aws: Aws, voice: Any
) -> None:
    seed_conversation(aws.table)
    aws.sqs.purge_queue(QueueUrl=aws.queue_urls["OutboundQueue"])

    status, greeting = post(voice)
    assert status == 200 and "open conversation" in said(greeting)
    assert RESIDENT[-4:] not in greeting
    menu = next_query(greeting)

    _, first = post(voice, menu, Digits="1")
    _, replay = post(voice, menu, Digits="1")  # Twilio posting the same turn again

    assert replay == first and "We sent you a text" in said(first)
    queued = aws.queue_messages("OutboundQueue")
    assert len(queued) == 1
    message_id = json.loads(queued[0]["Body"])["message_id"]
    texts = aws.table.query(
        KeyConditionExpression=Key("pk").eq(f"THREAD#{THREAD_ID}") & Key("sk").begins_with("MSG#")
    )["Items"]
    ivr_texts = [m for m in texts if m["message_id"] == message_id]
    assert len(ivr_texts) == 1 and "continue by text" in ivr_texts[0]["body"]
    ledger = aws.table.query(
        KeyConditionExpression=Key("pk").eq(f"ADDR#{RESIDENT}") & Key("sk").begins_with(CONSENT_LEDGER_PREFIX)
    )["Items"]
    assert [(e["action"], e["source"], e["source_id"]) for e in ledger] == [("text_request", "ivr", CALL_SID)]

    notes = aws.table.query(
        KeyConditionExpression=Key("pk").eq(f"THREAD#{THREAD_ID}") & Key("sk").begins_with("NOTE#")
    )["Items"]
    assert len(notes) == 1 and notes[0]["kind"] == "ivr_call"
    assert notes[0]["path"] == ["answered", "heard_status", "text"]
    assert "continued by text" in notes[0]["body"]


def test_calls_are_counted_for_the_reports_once(aws: Aws, voice: Any) -> None:
    seed_conversation(aws.table)
    menu = next_query(post(voice)[1])
    post(voice, menu, Digits="1")
    post(voice, menu, Digits="1")
    day_cells = [
        item
        for item in aws.items()
        if item["pk"] == report_pk(ALL_SCOPE) and str(item["sk"]).startswith("D#")
    ]
    totals = {
        name: sum(int(cell.get(name, 0)) for cell in day_cells)
        for name in ("calls_answered", "calls_deflected", "calls_callback_booked")
    }
    assert totals == {"calls_answered": 1, "calls_deflected": 1, "calls_callback_booked": 0}


def test_booking_by_voice_loses_cleanly_to_a_text_booking_of_the_same_last_place(
    aws: Aws, voice: Any
) -> None:
    """One staff member on the roster: each slot has one place. A resident texting CALLBACK is offered the
    same first slot as the caller; the text books it first, so the caller hears it was taken and is offered
    the next free ones, and the slot holds one callback."""
    from callbacks.dal.callback_table import BookingTable
    from callbacks.integrations.task_responses import WorkflowStarter
    from callbacks.logic.booking import Booking, BusinessHours

    seed_conversation(aws.table)
    seed_conversation(aws.table, resident="+15555550124", thread_id="t-texter", inbound_sid="SM" + "b2" * 16)
    menu = next_query(post(voice)[1])
    offer = post(voice, menu, Digits="2")[1]
    assert "press 1" in said(offer)
    slot_query = next_query(offer)

    hours = BusinessHours.parse("Mon-Sun 00:00-23:59", "America/New_York")
    starter = WorkflowStarter(
        boto3.client("stepfunctions", region_name=REGION), voice.settings.callback_state_machine_arn
    )
    texter = Booking(BookingTable(aws.table), starter, hours, "County")
    texter.offer_slots("t-texter")
    assert "booked" in (texter.pick("t-texter", 1) or "")

    _, lost = post(voice, slot_query, Digits="1")
    assert "just taken" in said(lost) and root(lost).find("Gather") is not None
    _, won = post(voice, next_query(lost), Digits="1")
    assert "Your callback is booked" in said(won)

    bookings = BookingTable(aws.table)
    voice_slot = bookings.active_callback(THREAD_ID)
    text_slot = bookings.active_callback("t-texter")
    assert voice_slot is not None and text_slot is not None and voice_slot.slot_at != text_slot.slot_at
    counts = bookings.booked("general", [text_slot.slot_at, voice_slot.slot_at])
    assert counts == {text_slot.slot_at: 1, voice_slot.slot_at: 1}

    # The caller's next call opens with what is now pending for them
    _, again = post(voice, CallSid="CA" + "e5" * 16)
    assert "You have a callback booked for" in said(again)


def test_pressing_0_dials_the_on_call_number_and_a_missed_dial_offers_a_callback(
    aws: Aws, voice: Any
) -> None:
    aws.table.put_item(Item={"pk": "TRIAGE", "sk": "ONCALL", "number": "+15555550199", "page_url": ""})
    menu = next_query(post(voice)[1])
    _, dial = post(voice, menu, Digits="0")
    node = root(dial).find("Dial")
    assert node is not None and node.text == "+15555550199" and node.attrib["timeout"] == "20"
    _, missed = post(voice, next_query(dial), DialCallStatus="no-answer")
    assert "book a callback" in said(missed)


def test_silence_twice_ends_the_call(voice: Any) -> None:
    menu = next_query(post(voice)[1])
    _, again = post(voice, menu)
    _, bye = post(voice, next_query(again))
    assert root(bye).find("Hangup") is not None and "Goodbye" in said(bye)


def test_press_3_reads_todays_alerts_for_the_callers_topics_and_zones_in_their_language(
    aws: Aws, voice: Any
) -> None:
    from datetime import UTC, datetime, timedelta

    from alerts.dal.alerts_table import AlertsTable
    from alerts.models.alerts import Alert

    aws.table.put_item(
        Item={
            "pk": f"ADDR#{RESIDENT}",
            "sk": "CONSENT",
            "topics": ["WATER"],
            "zones": ["zip:94110"],
            "language": "es",
            "version": 1,
        }
    )
    now = datetime.now(UTC)

    def at(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def alert(
        alert_id: str, created: datetime, topics: tuple[str, ...], zones: tuple[str, ...], **more: Any
    ) -> None:
        fields: dict[str, Any] = {
            "alert_id": alert_id,
            "title": alert_id,
            "status": "sent",
            "created_at": at(created),
            "created_by": "supervisor",
            "send_at": None,
            "emergency": False,
            "emergency_reason": None,
            "topics": topics,
            "zones": zones,
            "texts": {"en": f"{alert_id} in English", "es": f"{alert_id} en español"},
            "track_links": False,
            **more,
        }
        AlertsTable(aws.table).put_alert(Alert(**fields), {})

    alert("al" + "1" * 16, now - timedelta(minutes=5), ("WATER",), ("zip:94110",))
    alert("al" + "2" * 16, now - timedelta(minutes=4), ("ROADS",), ("zip:94110",))  # not their topic
    alert("al" + "3" * 16, now - timedelta(days=2), ("WATER",), ())  # not today
    alert("al" + "4" * 16, now - timedelta(minutes=3), ("WATER",), ("zip:99999",))  # not their zone
    alert("al" + "5" * 16, now - timedelta(minutes=2), ("WATER",), (), status="scheduled")  # not sent
    alert("al" + "6" * 16, now - timedelta(minutes=1), ("WATER",), ())  # every zone

    greeting = post(voice)[1]
    assert {say.attrib["language"] for say in root(greeting).iter("Say")} == {"es-US"}
    _, alerts = post(voice, next_query(greeting), Digits="3")
    words = said(alerts)
    assert "Avisos de hoy para su zona: 2." in words
    assert words.index("al" + "1" * 16 + " en español") < words.index("al" + "6" * 16 + " en español")
    for left_out in ("2", "3", "4", "5"):
        assert "al" + left_out * 16 not in words
    assert "English" not in words


def test_a_first_time_caller_booking_by_voice_has_a_thread_before_the_workflow_starts(
    aws: Aws, voice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workflow may text into the thread at once (a reminder due now): the thread must exist first."""
    from callbacks.integrations.task_responses import WorkflowStarter

    seen: list[dict[str, Any] | None] = []
    start = WorkflowStarter.start

    def checked_start(self: Any, callback_id: str, execution_input: dict[str, Any]) -> str:
        key = {"pk": f"THREAD#{execution_input['thread_id']}", "sk": "META"}
        seen.append(aws.table.get_item(Key=key).get("Item"))
        return str(start(self, callback_id, execution_input))

    monkeypatch.setattr(WorkflowStarter, "start", checked_start)
    stranger = "+15555550177"
    menu = next_query(post(voice, From=stranger)[1])
    slot = next_query(post(voice, menu, From=stranger, Digits="2")[1])
    _, booked = post(voice, slot, From=stranger, Digits="1")
    assert "Your callback is booked" in said(booked)
    assert len(seen) == 1 and seen[0] is not None
    assert seen[0]["resident"] == {"address": stranger, "channel": "sms"} and seen[0]["status"] == "open"
