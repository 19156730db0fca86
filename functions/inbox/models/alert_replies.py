"""Replies to an alert, grouped so staff can answer them with one message."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from inbox.models.conversations import MAX_REPLY_LENGTH
from inbox.models.inbox_views import InboxThread


class AlertReplyGroup(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, see conversations.py

    alert_id: str
    title: str
    threads: int  # residents who replied (each once)
    last_reply_at: str


class AlertReplyGroups(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, see conversations.py

    groups: list[AlertReplyGroup]


class AlertReplyGroupDetail(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, see conversations.py

    group: AlertReplyGroup
    waiting: int  # open threads whose resident still waits for staff
    threads: list[InboxThread]  # waiting first (oldest wait first), then the rest


class GroupAnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    # Chosen by the page once per answer: sending it again (a retry) answers nobody twice.
    answer_id: str = Field(pattern=r"^[A-Za-z0-9_-]{8,64}$")
    body: str = Field(min_length=1, max_length=MAX_REPLY_LENGTH)
    # Threads another agent owns are left to them unless the sender means to answer those too.
    include_others: bool = False

    @field_validator("body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the answer is empty")
        return value


class GroupAnswerResult(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, see conversations.py

    answer_id: str
    answered: int
    already_answered: int  # by an earlier try of this same answer
    not_waiting: int  # closed, or the resident's last message was already answered
    owned_by_others: int
    opted_out: int
    outside_your_departments: int = 0  # threads the caller may not open (docs/architecture.md, "Auth")
