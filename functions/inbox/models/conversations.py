"""Threads and messages as the agent API returns them (docs/architecture.md: Thread, Message)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator
from switchboard.phone import Channel

Direction = Literal["in", "out"]
PREVIEW_LENGTH = 120
MAX_REPLY_LENGTH = 1600
# Each model is built on its first validation, not at import: a handler validates a few of these on some of
# its paths (the agent API one route's), and building all of them at import cost every cold start of every
# function that imports this module.
_BUILT_ON_USE = ConfigDict(defer_build=True)


class Resident(BaseModel):
    model_config = _BUILT_ON_USE

    address: str
    channel: Channel


class MediaRef(BaseModel):
    model_config = _BUILT_ON_USE

    media_id: str
    content_type: str


class TriageReason(BaseModel):
    model_config = _BUILT_ON_USE

    code: str
    text: str  # the resident's words that raised it: hostile text, shown with textContent only


class TriageOverride(BaseModel):
    model_config = _BUILT_ON_USE

    level: Literal["normal", "high", "critical"]
    reason: str
    by: str
    at: str


class Thread(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    thread_id: str
    resident: Resident
    channel: Channel
    status: str = "open"
    last_activity_at: str
    last_message_preview: str = ""
    last_direction: Direction
    unread: int = 0
    created_at: str
    # Set when a resident's free text reads like "stop texting me"; staff decide what it means.
    consent_flag: str | None = None
    # The workspace (issue 3): who owns it, which department, labels, snooze, the resident's name if known.
    assignee: str | None = None
    department_id: str | None = None
    labels: list[str] = Field(default_factory=list)
    snoozed_until: str | None = None
    resident_name: str | None = None
    # Triage (functions/triage): the level of the messages staff have not answered, and why.
    triage_level: Literal["normal", "high", "critical"] | None = None
    triage_reasons: list[TriageReason] = Field(default_factory=list)
    triage_override: TriageOverride | None = None


# Authors of replies the system sends by itself: keyword answers and workflows ("workflow:<name>").
SYSTEM_AUTHOR = "switchboard"
WORKFLOW_AUTHOR_PREFIX = "workflow:"


def is_automatic_author(author: str) -> bool:
    return author == SYSTEM_AUTHOR or author.startswith(WORKFLOW_AUTHOR_PREFIX)


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    message_id: str
    thread_id: str
    direction: Direction
    body: str = ""
    media: list[MediaRef] = Field(default_factory=list)
    status: str
    created_at: str
    author: str
    error_code: str | None = None
    twilio_sid: str | None = None
    # Set when `body` is only the start of a longer text (kept whole in the media bucket): its length.
    full_length: int | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def automatic(self) -> bool:
        """An outbound reply no person wrote (the agent page marks it automatic, never "You")."""
        return self.direction == "out" and is_automatic_author(self.author)


class ThreadPage(BaseModel):
    model_config = _BUILT_ON_USE

    threads: list[Thread]
    next_cursor: str | None


class Viewer(BaseModel):
    """Someone else with the thread open (a heartbeat within the last few seconds)."""

    model_config = _BUILT_ON_USE

    sub: str
    email: str | None = None
    typing: bool = False
    seen_at: str


class ThreadDetail(BaseModel):
    model_config = _BUILT_ON_USE

    thread: Thread
    messages: list[Message]
    next_cursor: str | None
    viewers: list[Viewer] = Field(default_factory=list)


class ReplyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    body: str = Field(min_length=1, max_length=MAX_REPLY_LENGTH)
    # A thread owned by someone else is answered only on purpose (otherwise 409).
    confirm_takeover: bool = False

    @field_validator("body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("body must not be blank")
        return value


class ReplyAccepted(BaseModel):
    model_config = _BUILT_ON_USE

    message: Message


class Agent(BaseModel):
    model_config = _BUILT_ON_USE

    sub: str
    email: str | None = None
    groups: list[str] = Field(default_factory=list)


def preview_of(body: str, media_count: int = 0) -> str:
    text = " ".join(body.split())
    if not text and media_count:
        text = f"[{media_count} attachment{'s' if media_count > 1 else ''}]"
    return text[:PREVIEW_LENGTH]
