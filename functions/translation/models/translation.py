"""Translation's settings, the record kept beside a message, and the routes' shapes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

LanguageCode = str
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"
# Amazon Translate's free tier is 2 million characters a month for a year; a reply or a message is ~100.
DEFAULT_MONTHLY_CHAR_CAP = 2_000_000
MAX_REPLY_CHARS = 1600


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


# What an agent writes, or what a resident will receive of it: as long as a reply may be, never blank.
ReplyText = Annotated[str, Field(min_length=1, max_length=MAX_REPLY_CHARS), AfterValidator(_not_blank)]
Status = Literal["translated", "not_translated"]
Direction = Literal["in", "out"]


class TranslationSettings(BaseModel):
    """The agency's translation settings (admin): on or off, a monthly character cap, the agents' language."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    enabled: bool = True
    monthly_char_cap: int = Field(default=DEFAULT_MONTHLY_CHAR_CAP, ge=0, le=1_000_000_000)
    agent_language: str = Field(default="en", pattern=LANGUAGE_PATTERN)


class MessageTranslation(BaseModel):
    """What is kept beside one message (never instead of it): the original stays the message's body.

    Inbound: `original` is what the resident wrote (in `original_language`), `text` what staff read (in
    `language`). Outbound: `original` is what the agent wrote, `text` what the resident received.
    """

    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    message_id: str
    direction: Direction
    status: Status
    original: str
    original_language: str | None
    text: str | None = None
    language: str
    provider: str | None = None
    stand_in: bool = False
    reason: str | None = None  # why not translated: throttled, failed, cap_reached, turned_off, too_long
    attempts: int = 0
    updated_at: str


class ThreadTranslations(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    thread_id: str
    language: str | None  # the thread's language (stored, or detected and kept)
    language_set_by: Literal["staff", "detected"] | None = None
    agent_language: str
    enabled: bool
    translations: list[MessageTranslation]


class LanguageRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    language: str = Field(pattern=LANGUAGE_PATTERN)


class LanguageState(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    thread_id: str
    language: str
    language_set_by: Literal["staff", "detected"]


class PreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    body: ReplyText


class Segments(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    encoding: Literal["GSM-7", "UCS-2"]
    segments: int
    characters: int
    forced_by: list[str]


class ReplyPreview(BaseModel):
    """What the resident would receive. `status` not_needed: same language (or unknown): send as written."""

    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    status: Literal["translated", "not_translated", "not_needed"]
    language: str | None
    agent_language: str
    translation: str | None = None
    provider: str | None = None
    stand_in: bool = False
    reason: str | None = None
    original_segments: Segments
    translation_segments: Segments | None = None


class TranslatedReplyRequest(BaseModel):
    """The agent sends the translation they were shown (`translation`), with what they wrote (`body`)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    body: ReplyText
    translation: ReplyText
    language: str = Field(pattern=LANGUAGE_PATTERN)
    provider: str = Field(min_length=1, max_length=40)
    stand_in: bool = False
    confirm_takeover: bool = False


class UsageView(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    month: str
    characters: int
    cap: int
    enabled: bool
