"""Conversations put in the table through the real DAL, for tests that start mid-story."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from inbox.dal.inbox_table import InboxTable
from inbox.models.conversations import Message
from inbox.models.records import ThreadActivity
from outbound.dal.reply_table import ReplyTable
from switchboard.phone import parse_address
from switchboard.table_keys import message_sk

THREAD_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"  # the thread the apigw/api_* and sqs/outbound samples name
REPLY_ID = "5e4d3c2b1a0f49e8d7c6b5a493827160"
REPLY_AT = "2026-11-24T10:16:40.250000Z"
OUTBOUND_SID = "SM" + "d4" * 16
CALLBACKS_ROLE_ARN = "arn:aws:iam::123456789012:role/callbacks"


@dataclass(frozen=True)
class Conversation:
    thread_id: str
    reply_sk: str


def seed_conversation(
    table: Any,
    *,
    resident: str = "+15555550123",
    agency: str | None = "+15555550100",
    thread_id: str = THREAD_ID,
    inbound_at: str = "2026-11-24T10:15:00.120000Z",
    inbound_sid: str = "SM" + "a1" * 16,
) -> Conversation:
    """A resident's message and an agent's reply (status accepted, not yet sent)."""
    inbox = InboxTable(table)
    address = parse_address(resident)
    inbound = Message(
        message_id="1" * 32,
        thread_id=thread_id,
        direction="in",
        body="Is the library open on Sunday?",
        status="received",
        created_at=inbound_at,
        author="resident",
        twilio_sid=inbound_sid,
    )
    inbox.store_inbound(
        inbound,
        ThreadActivity(thread_id, address, inbound_at, inbound.body, "in", agency_address=agency),
        inbound_sid,
    )
    inbox.thread_for_resident(address, thread_id, inbound_at)
    reply = Message(
        message_id=REPLY_ID,
        thread_id=thread_id,
        direction="out",
        body="Yes, 12 to 5.",
        status="accepted",
        created_at=REPLY_AT,
        author="agent-sub",
    )
    inbox.store_reply(reply, ThreadActivity(thread_id, address, REPLY_AT, reply.body, "out"))
    return Conversation(thread_id=thread_id, reply_sk=message_sk(REPLY_AT, REPLY_ID))


def mark_sent(
    table: Any, conversation: Conversation, sid: str = OUTBOUND_SID, status: str = "queued"
) -> None:
    replies = ReplyTable(table)
    pending = replies.load_reply(conversation.thread_id, conversation.reply_sk)
    assert pending is not None
    assert replies.record_sent(pending, sid, status)


def message(table: Any, conversation: Conversation) -> dict[str, Any]:
    return dict(
        table.get_item(Key={"pk": f"THREAD#{conversation.thread_id}", "sk": conversation.reply_sk})["Item"]
    )


def callback_workflow(table: Any, monkeypatch: pytest.MonkeyPatch, on_call: list[str], region: str) -> str:
    """What booking a callback needs, as deployed: the callback workflow (a one-state machine in moto) named
    in the environment, open hours all week, and `on_call` on the `general` roster. Its ARN."""
    from callbacks.dal.callback_table import BookingTable

    sfn = boto3.client("stepfunctions", region_name=region)
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    arn = sfn.create_state_machine(
        name="callbacks", definition=json.dumps(definition), roleArn=CALLBACKS_ROLE_ARN
    )["stateMachineArn"]
    monkeypatch.setenv("CALLBACK_STATE_MACHINE_ARN", arn)
    monkeypatch.setenv("CALLBACK_HOURS", "Mon-Sun 00:00-23:59")
    BookingTable(table).set_roster("general", on_call, "2026-03-01T00:00:00.000000Z")
    return str(arn)
