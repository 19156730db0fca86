"""What the chat widget sends and receives (public routes) and what the agent page reads about web chat."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from switchboard.phone import normalize_phone

MAX_CHAT_MESSAGE = 1600
_PRIVATE = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True, defer_build=True)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


def _clean_phone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return normalize_phone(value)  # without a country code: a North American number
    except ValueError:
        raise ValueError("phone must be a number like +1 202 555 0143") from None


class Contact(BaseModel):
    """Optional: a resident may chat without telling who they are."""

    model_config = _PRIVATE

    name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)

    @field_validator("name", "email", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value.strip()):
            raise ValueError("email must look like name@example.org")
        return value.strip() if value else None

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: object) -> object:
        return _clean_phone(value) if isinstance(value, str) or value is None else value


class ContactUpdate(Contact):
    continue_by_text: bool = False


UPLOAD_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"


class ChatMessageIn(BaseModel):
    model_config = _PRIVATE

    body: str = Field(default="", max_length=MAX_CHAT_MESSAGE)
    # Chosen by the widget per message, so a retried POST stores the message once.
    client_id: str = Field(pattern=r"^[A-Za-z0-9-]{8,64}$")
    # A photo uploaded with POST /chat/uploads; a message may be a photo alone.
    upload_id: str | None = Field(default=None, pattern=UPLOAD_ID_PATTERN)

    @model_validator(mode="after")
    def _says_something(self) -> ChatMessageIn:
        if not self.body.strip() and self.upload_id is None:
            raise ValueError("body must not be blank")
        return self


class UploadRequest(BaseModel):
    """What the widget says it will upload; S3's signed policy holds it to that, and the bytes are checked."""

    model_config = _PRIVATE

    content_type: str = Field(max_length=100)
    size: int = Field(ge=1)


class UploadGranted(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    upload_id: str
    url: str
    fields: dict[str, str]
    max_bytes: int
    expires_in: int


class ChatMedia(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    media_id: str
    content_type: str


class Availability(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    open: bool
    next_open: str | None  # ISO instant with offset; None when open now or always staffed
    hours: str
    # The agency's IANA time zone: the widget shows hours and times on its clock (None: always staffed).
    timezone: str | None = None
    # Whether any agent has set themselves available (who, and how many, is never told).
    agents_online: bool = True


class SessionStarted(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    token: str
    session_id: str
    expires_at: int
    availability: Availability


class ChatMessageOut(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    id: str
    sid: str | None  # the resident's own messages: the SID the POST answered, to replace "sending"
    cursor: str
    direction: Literal["in", "out"]
    body: str
    created_at: str
    status: str
    media: list[ChatMedia] = []


class ChatUpdates(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    messages: list[ChatMessageOut]
    cursor: str | None
    agent_typing: bool
    read: bool  # the agency has opened everything the resident sent
    text_to_masked: str | None
    availability: Availability
    survey_open: bool = False  # the feedback survey after a close awaits an answer (the widget shows 1-5)


class MessageAccepted(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    client_id: str
    sid: str


class WebChatConfig(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    allowed_origins: list[str]
    business_hours: str
    timezone: str
    languages: list[str]


class ResidentContact(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    text_to: str | None = None
