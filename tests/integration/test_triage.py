"""Triage on moto (issue 17): scores stored on messages, the thread's level from its unanswered messages, one
crisis answer per thread per day (queued and recorded in the thread), audited, never twice for a SID."""

from __future__ import annotations

import json
from typing import Any

import pytest
from inbox.dal.inbox_table import InboxTable
from inbox.integrations.reply_queue import SqsReplyQueue
from inbox.integrations.thread_replies import ThreadReplies
from inbox.logic.inbound_messages import store_incoming_message
from inbox.models.conversations import Message
from inbox.models.queue_messages import IncomingMessage
from inbox.models.records import ThreadActivity
from inbox.pipeline import InboundMessage, InboundPipeline
from switchboard.i18n import say
from switchboard.phone import parse_address
from switchboard.table_keys import THREAD_META_SK, thread_pk
from triage.dal.triage_table import CRISIS_SK, SUPERVISOR_NOTICES_PK, TriageTable
from triage.steps import triage_steps

from events import load_event
from tests.integration.conftest import Aws
from tests.integration.fakes import FakeMediaSource
from tests.integration.test_sms_sender import twilio  # noqa: F401 - the fake Twilio fixture

RESIDENT = "+15555550142"


class NoMedia:
    def has(self, thread_id: str, sid: str, index: int) -> bool:
        return False

    def put(self, *args: Any) -> None:
        raise AssertionError("no media in these texts")


def make_deliver(aws: Aws) -> Any:
    """A resident's text stored as the inbound consumer stores it, then run through the triage step."""
    inbox = InboxTable(aws.table)
    replies = ThreadReplies(inbox, SqsReplyQueue(aws.sqs, aws.queue_urls["OutboundQueue"]))
    steps = triage_steps(aws.table, replies, oncall_texts=replies, agency_name=lambda: "Springfield")
    pipeline = InboundPipeline(steps)

    def deliver(sid: str, body: str, at: str) -> str:
        incoming = IncomingMessage(
            sid=sid,
            account_sid="AC" + "0" * 32,
            from_address=RESIDENT,
            to_address="+15555550100",
            body=body,
            received_at=at,
        )
        outcome = store_incoming_message(
            incoming, store=inbox, archive=NoMedia(), media_source=FakeMediaSource()
        )
        thread_id = outcome.thread_id or inbox.find_sid(sid).thread_id  # type: ignore[union-attr]
        pipeline.run(
            InboundMessage(
                incoming=incoming,
                address=RESIDENT,
                channel="sms",
                thread_id=thread_id,
                redelivered=outcome.duplicate,
            )
        )
        return thread_id

    return deliver


@pytest.fixture
def deliver(aws: Aws) -> Any:
    return make_deliver(aws)


def thread(aws: Aws, thread_id: str) -> dict[str, Any]:
    return aws.table.get_item(Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK})["Item"]


def messages(aws: Aws, thread_id: str) -> list[dict[str, Any]]:
    items = aws.table.query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
        ExpressionAttributeValues={":pk": thread_pk(thread_id), ":msg": "MSG#"},
    )["Items"]
    return sorted(items, key=lambda item: item["sk"])


def staff_reply(aws: Aws, thread_id: str, at: str) -> None:
    body = "We are here. Are you safe right now?"
    message = Message(
        message_id="reply-" + at[-12:-1].replace(".", "").replace(":", ""),
        thread_id=thread_id,
        direction="out",
        body=body,
        status="accepted",
        created_at=at,
        author="agent-sub",
    )
    activity = ThreadActivity(
        thread_id=thread_id, resident=parse_address(RESIDENT), at=at, preview=body, direction="out"
    )
    assert InboxTable(aws.table).store_reply(message, activity)


def test_a_crisis_text_is_scored_raises_the_thread_and_gets_one_answer(aws: Aws, deliver: Any) -> None:
    thread_id = deliver("SM" + "1" * 32, "I took all my pills", "2026-12-07T09:00:00.000000Z")

    stored = messages(aws, thread_id)
    inbound = next(m for m in stored if m["direction"] == "in")
    assert inbound["triage"]["level"] == "critical"
    assert inbound["triage"]["reasons"][0]["code"] == "self_harm.method"
    assert inbound["triage"]["reasons"][0]["text"] == "took all my pills"
    meta = thread(aws, thread_id)
    assert (meta["triage_level"], meta["triage_order"]) == ("critical", "0")
    assert meta["triage_rules_version"] >= 1
    # The answer is in the thread, after the resident's message, and queued for the sender.
    answer = next(m for m in stored if m["direction"] == "out")
    assert "988" in answer["body"] and "911" in answer["body"] and answer["author"] == "switchboard"
    queued = aws.queue_messages("OutboundQueue")
    assert len(queued) == 1 and json.loads(queued[0]["Body"])["message_id"] == answer["message_id"]
    # An automatic answer is not a staff answer: the resident still waits, the thread stays critical.
    assert "waiting_since" in meta
    audit = [i for i in aws.items() if i["pk"].startswith("AUDIT#")]
    assert [a["action"] for a in audit] == ["triage.crisis_reply"]
    assert "pills" not in json.dumps(audit, default=str)
    notices = [i for i in aws.items() if i["pk"] == SUPERVISOR_NOTICES_PK]
    assert [n["thread_id"] for n in notices] == [thread_id]


def test_a_redelivered_sid_and_a_second_crisis_text_send_nothing_more(aws: Aws, deliver: Any) -> None:
    sid = "SM" + "2" * 32
    thread_id = deliver(sid, "i want to kill myself", "2026-12-07T09:00:00.000000Z")
    deliver(sid, "i want to kill myself", "2026-12-07T09:00:00.000000Z")  # SQS redelivers
    deliver("SM" + "3" * 32, "i want to die", "2026-12-07T15:00:00.000000Z")  # same day, same thread

    answers = [m for m in messages(aws, thread_id) if m["direction"] == "out"]
    assert len(answers) == 1
    claim = aws.table.get_item(Key={"pk": thread_pk(thread_id), "sk": CRISIS_SK})["Item"]
    assert claim["sid"] == sid
    # A day later, the thread may be answered again.
    deliver("SM" + "4" * 32, "i want to die", "2026-12-08T09:00:00.000001Z")
    assert len([m for m in messages(aws, thread_id) if m["direction"] == "out"]) == 2


def test_a_staff_reply_lowers_the_thread_to_what_later_messages_say(aws: Aws, deliver: Any) -> None:
    thread_id = deliver("SM" + "5" * 32, "no heat and my baby is freezing", "2026-12-07T09:00:00.000000Z")
    deliver("SM" + "6" * 32, "also when is trash day", "2026-12-07T09:01:00.000000Z")
    assert thread(aws, thread_id)["triage_level"] == "high"

    staff_reply(aws, thread_id, "2026-12-07T09:05:00.000000Z")
    meta = thread(aws, thread_id)
    assert "triage_level" not in meta and "triage_order" not in meta

    deliver("SM" + "7" * 32, "thanks, what about the bulk trash", "2026-12-07T09:10:00.000000Z")
    assert thread(aws, thread_id)["triage_level"] == "normal"
    deliver("SM" + "8" * 32, "I smell gas now", "2026-12-07T09:11:00.000000Z")
    meta = thread(aws, thread_id)
    assert (meta["triage_level"], meta["triage_reasons"][0]["code"]) == ("critical", "safety.gas")


def test_a_message_answered_before_it_was_scored_does_not_raise_the_thread(aws: Aws) -> None:
    # Given a message stored at 09:00 and a staff reply at 09:01 that answered it
    inbox = InboxTable(aws.table)
    incoming = IncomingMessage(
        sid="SM" + "9" * 32,
        account_sid="AC" + "0" * 32,
        from_address=RESIDENT,
        to_address="+15555550100",
        body="I smell gas",
        received_at="2026-12-07T09:00:00.000000Z",
    )
    outcome = store_incoming_message(incoming, store=inbox, archive=NoMedia(), media_source=FakeMediaSource())
    assert outcome.thread_id
    staff_reply(aws, outcome.thread_id, "2026-12-07T09:01:00.000000Z")
    # When triage runs only now (a slow retry)
    replies = ThreadReplies(inbox, SqsReplyQueue(aws.sqs, aws.queue_urls["OutboundQueue"]))
    InboundPipeline(triage_steps(aws.table, replies)).run(
        InboundMessage(incoming=incoming, address=RESIDENT, channel="sms", thread_id=outcome.thread_id)
    )
    # Then the message has its score, and the answered thread is not raised
    assert "triage_level" not in thread(aws, outcome.thread_id)
    assert TriageTable(aws.table).find_message(incoming.sid) is not None


def test_the_crisis_answer_reaches_a_resident_who_opted_out_of_everything(
    aws: Aws,
    sms_sender: Any,
    twilio: Any,  # noqa: F811 - the fixture imported above
    context: Any,
) -> None:
    # Given a resident who opted out of every text (their carrier reported a STOP)
    from inbox.dal.consent_table import ConsentTable
    from inbox.logic.consent_changes import ConsentGate

    gate = ConsentGate(ConsentTable(aws.table))
    gate.record_carrier_opt_out(RESIDENT, "sms", "2026-12-07T08:00:00.000000Z", "earlier-message")
    assert not gate.may_send(RESIDENT, None)
    # When they write that they took all their pills, and the sender takes the queued answer
    make_deliver(aws)("SM" + "d" * 32, "I took all my pills", "2026-12-07T09:00:00.000000Z")
    (queued,) = aws.queue_messages("OutboundQueue")
    event = load_event("sqs/outbound_batch.json")
    event["Records"][0]["body"] = queued["Body"]
    assert sms_sender.handler(event, context) == {"batchItemFailures": []}
    # Then Twilio is asked to send the crisis resources to them: a conversational answer, not marketing
    (request,) = twilio.requests
    assert request["data"]["To"] == RESIDENT
    assert "988" in request["data"]["Body"] and "911" in request["data"]["Body"]


def test_the_oncall_number_an_admin_set_gets_one_text_per_crisis_with_a_link(aws: Aws, deliver: Any) -> None:
    # Given an admin set an on-call number
    TriageTable(aws.table).save_oncall("+15555550177", "https://agents.example.org/", "admin-1", "t")
    sid = "SM" + "9" * 32
    # When a crisis text arrives, and SQS delivers it again
    thread_id = deliver(sid, "I took all my pills", "2026-12-07T09:00:00.000000Z")
    deliver(sid, "I took all my pills", "2026-12-07T09:00:00.000000Z")
    # Then the on-call number's thread holds one text: catalog words and the link, not the resident's words
    oncall_thread = aws.table.get_item(Key={"pk": "ADDR#+15555550177", "sk": "RESIDENT"})["Item"]["thread_id"]
    (page,) = [m for m in messages(aws, oncall_thread) if m["direction"] == "out"]
    link = f"https://agents.example.org/#thread/{thread_id}"
    assert page["body"] == say("triage.oncall_page", "en", agency="Springfield", link=link)
    assert "pills" not in page["body"]
    # ...queued for the sender (as is the resident's crisis answer), and audited once
    queued = {json.loads(m["Body"])["message_id"] for m in aws.queue_messages("OutboundQueue")}
    assert page["message_id"] in queued
    audit = [i for i in aws.items() if i["pk"].startswith("AUDIT#")]
    assert sorted(a["action"] for a in audit) == ["triage.crisis_reply", "triage.oncall_page"]
    assert "pills" not in json.dumps(audit, default=str) and "+15555550177" not in json.dumps(
        audit, default=str
    )
