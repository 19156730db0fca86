"""Alerts (docs/ALERTS contract in docs/architecture.md): what staff send, and what the API answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import BaseModel, ConfigDict, Field, Json, StringConstraints

from alerts.logic.costs import CostEstimate

AlertStatus = Literal["scheduled", "sending", "sent", "cancelled"]
# A recipient counts in exactly one of these at any moment; the figures of an alert add up to its audience.
FIGURE_NAMES = (
    "queued",
    "waiting_quiet_hours",
    "sent",
    "delivered",
    "failed",
    "undelivered",
    "opted_out",
)
# Not a recipient state: how many times the alert's tracked links were followed.
CLICKS = "clicks"
# How an alert reaches a resident (issue 22). Texts keep the figures' plain names; a voice call's or an
# email's figures are the same names prefixed ("voice_sent", "email_failed"): all add up to the audience.
DeliveryChannel = Literal["sms", "voice", "email"]
DELIVERY_CHANNELS: tuple[DeliveryChannel, ...] = ("sms", "voice", "email")
CHANNEL_KEY_SEPARATOR = "#"


def delivery_key(address: str, channel: str) -> str:
    """The recipient key of one (resident, channel): the address for texts, `{address}#{channel}` else."""
    return address if channel == "sms" else f"{address}{CHANNEL_KEY_SEPARATOR}{channel}"


def split_delivery_key(key: str) -> tuple[str, str]:
    """(address, channel) of a recipient key."""
    address, _, channel = key.partition(CHANNEL_KEY_SEPARATOR)
    return address, channel or "sms"


def figure_name(channel: str, figure: str) -> str:
    return figure if channel == "sms" else f"{channel}_{figure}"


MAX_TEXT_LENGTH = 1_600  # Twilio's limit for one message body
MAX_TITLE_LENGTH = 120
TopicId = str
ZoneId = str
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True, defer_build=True)


class PreviewRequest(_Request):
    # The composer may post its whole form to preview: fields other than these are not its business.
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True, defer_build=True)

    topics: list[TopicId] = Field(min_length=1, max_length=50)
    zones: list[ZoneId] = Field(default_factory=list, max_length=500)
    texts: dict[str, str] = Field(default_factory=dict, max_length=20)
    image_url: str | None = Field(default=None, max_length=1_000)


class CreateAlertRequest(_Request):
    title: str = Field(min_length=1, max_length=MAX_TITLE_LENGTH)
    topics: list[TopicId] = Field(min_length=1, max_length=50)
    zones: list[ZoneId] = Field(default_factory=list, max_length=500)
    texts: dict[str, str] = Field(min_length=1, max_length=20)
    emergency: bool = False
    emergency_reason: str | None = Field(default=None, max_length=500)
    send_at: str | None = None
    track_links: bool = False
    # A picture sent with the alert: MMS media on texts, inline in emails (https, public: Twilio fetches it).
    image_url: str | None = Field(default=None, max_length=1_000, pattern=r"^https://[^\s<>\"']+$")


class TopicOption(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    id: str
    name: str


class ZoneOption(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    id: str
    name: str
    kind: Literal["polygon", "zip"]


class AlertOptions(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    topics: list[TopicOption]
    zones: list[ZoneOption]
    languages: list[str]
    rate_per_second: float


class Audience(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    total: int
    by_language: dict[str, int]
    # Residents per alert channel they chose (one resident may count in several).
    by_channel: dict[str, int] = Field(default_factory=dict)


class TextPreview(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    encoding: Literal["GSM-7", "UCS-2"]
    segments: int
    characters: int
    forced_by: list[str]


class FallbackWarning(BaseModel):
    """`residents` who read `reads` will get the `gets` text: no text is written in their language yet."""

    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    reads: str
    gets: str
    residents: int


class Preview(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    audience: Audience
    texts: dict[str, TextPreview]
    fallbacks: list[FallbackWarning] = Field(default_factory=list)
    cost: CostEstimate | None = None  # per channel, from list prices (alerts.logic.costs)


class TranslateRequest(_Request):
    """Machine-translate one of the composer's texts into another language, as a draft for a person to
    review: the answer goes back into the composer, never to residents."""

    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    source: LanguageCode
    target: LanguageCode


class TranslationDraft(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    language: str
    text: str
    machine: Literal[True] = True  # says so on the page until a person edits or accepts it
    preview: TextPreview
    provider: str
    stand_in: bool = False  # the local stack's stand-in, not a real translation: the page says so


class AlertView(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    alert_id: str
    title: str
    status: AlertStatus
    created_at: str
    created_by: str
    send_at: str | None
    emergency: bool
    emergency_reason: str | None
    topics: list[str]
    zones: list[str]
    texts: dict[str, str]
    track_links: bool
    audience_total: int
    figures: dict[str, int]
    failure_reasons: dict[str, int]
    image_url: str | None = None
    # The figures per channel (`figures` sums every channel, so it still adds up to `audience_total`).
    figures_by_channel: dict[str, dict[str, int]] = Field(default_factory=dict)


class AlertEnvelope(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    alert: AlertView


class AlertList(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    alerts: list[AlertView]


@dataclass(frozen=True)
class Alert:
    """An alert as stored (pk `ALERT#{alert_id}`, sk `META`)."""

    alert_id: str
    title: str
    status: AlertStatus
    created_at: str
    created_by: str
    send_at: str | None
    emergency: bool
    emergency_reason: str | None
    topics: tuple[str, ...]
    zones: tuple[str, ...]
    texts: dict[str, str]
    track_links: bool
    audience_total: int = 0
    # What goes out per language: the texts with tracked links rewritten (equal to `texts` otherwise).
    outgoing: dict[str, str] = field(default_factory=dict)
    enqueued_at: str | None = None
    image_url: str | None = None

    def text_for(self, language: str | None) -> tuple[str, str]:
        """(language, body) a resident who reads `language` gets: theirs, else English, else the first."""
        texts = self.outgoing or self.texts
        for candidate in (language, "en", *sorted(texts)):
            if candidate and candidate in texts:
                return candidate, texts[candidate]
        raise ValueError("alert without texts")


# --- queue messages ---------------------------------------------------------------------------------------


class PlanJob(BaseModel):
    """AlertPlanQueue body: start an alert's fan-out (`plan`), enqueue one shard of a large audience
    (`shard`: the subscribers whose address sorts from `first`, inclusive, to `before`, exclusive; None is
    open-ended), or wake residents held by quiet hours."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True, defer_build=True)

    kind: Literal["alert.plan", "alert.wake", "alert.shard"]
    alert_id: str = Field(pattern=r"^al[0-9a-f]{16}$")
    wake_at: str | None = None
    shard: int | None = Field(default=None, ge=0, le=100_000)
    shards: int | None = Field(default=None, ge=1, le=100_000)
    first: str | None = Field(default=None, min_length=1, max_length=64)
    before: str | None = Field(default=None, min_length=1, max_length=64)


class DeliveryJob(BaseModel):
    """AlertSendQueue body: one (alert, resident, channel)."""

    model_config = ConfigDict(frozen=True, hide_input_in_errors=True, defer_build=True)

    kind: Literal["alert.deliver"]
    alert_id: str = Field(pattern=r"^al[0-9a-f]{16}$")
    address: str = Field(min_length=1, max_length=64)
    language: str | None = Field(default=None, max_length=8)
    zones: list[str] = Field(default_factory=list, max_length=50)
    channel: DeliveryChannel = "sms"

    @property
    def key(self) -> str:
        """The delivery item's recipient key: exactly once per (alert, resident, channel)."""
        return delivery_key(self.address, self.channel)


class PlanRecord(SqsRecordModel):
    model_config = ConfigDict(hide_input_in_errors=True, defer_build=True)

    body: Json[PlanJob]  # type: ignore[assignment]


class DeliveryRecord(SqsRecordModel):
    model_config = ConfigDict(hide_input_in_errors=True, defer_build=True)

    body: Json[DeliveryJob]  # type: ignore[assignment]


# --- refusals (each answers one status and code, chosen by type) -------------------------------------------


class AlertRefused(Exception):
    status_code = 400
    code = "invalid_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownTopic(AlertRefused):
    code = "unknown_topic"


class UnknownZone(AlertRefused):
    code = "unknown_zone"


class UnknownLanguage(AlertRefused):
    code = "unknown_language"


class MachineTranslationUnavailable(AlertRefused):
    """No machine translation now (off, capped, throttled, failing, or none wired): write the text instead."""

    status_code = 503
    code = "translation_unavailable"


class EmptyText(AlertRefused):
    code = "empty_text"


class EmergencyWithoutReason(AlertRefused):
    code = "emergency_reason_required"


class InvalidSendAt(AlertRefused):
    code = "invalid_send_at"


class SendAtInPast(AlertRefused):
    code = "send_at_in_past"


class AlertNotFound(AlertRefused):
    status_code = 404
    code = "not_found"


class NotCancellable(AlertRefused):
    status_code = 409
    code = "not_cancellable"
