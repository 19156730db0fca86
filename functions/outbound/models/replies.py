"""An agent reply on its way to Twilio."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import BaseModel, ConfigDict, Field, Json
from switchboard.phone import Channel

# conversational: an agent answering a resident who wrote in; transactional: a keyword's confirmation (a STOP
# is confirmed once); non_transactional: alerts and reminders, never sent to a resident who opted out.
MessageCategory = Literal["conversational", "transactional", "non_transactional"]


class ReplyJob(BaseModel):
    """The OutboundQueue body (docs/architecture.md)."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True, defer_build=True)

    kind: Literal["reply"]
    thread_id: str = Field(min_length=1)
    message_id: str = Field(min_length=1)
    message_sk: str = Field(min_length=1)
    category: MessageCategory = "conversational"
    topic: str | None = Field(default=None, max_length=20)  # an alert's topic, checked against STOP <TOPIC>


class ReplyRecord(SqsRecordModel):
    model_config = ConfigDict(hide_input_in_errors=True, defer_build=True)

    body: Json[ReplyJob]  # type: ignore[assignment]


@dataclass(frozen=True)
class PendingReply:
    thread_id: str
    message_id: str
    message_sk: str
    body: str
    status: str
    to: str
    channel: Channel
    agency_address: str | None
    twilio_sid: str | None
    # Web chat: the resident chose to continue by text at this number (None: the widget shows the reply).
    text_to: str | None = None
