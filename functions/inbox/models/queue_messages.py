"""What the channels webhooks put on the inbound and status queues (docs/architecture.md)."""

from __future__ import annotations

import re
from typing import Literal

from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import BaseModel, ConfigDict, Field, Json, field_validator
from switchboard.clock import normalize_timestamp

# Twilio sends at most 10 media per message.
MAX_MEDIA = 10


# Validation errors end up in logs: never echo the input, which holds phone numbers and message bodies.
_PRIVATE = ConfigDict(frozen=True, hide_input_in_errors=True, defer_build=True)


class OversizeFields(BaseModel):
    """Fields the webhook kept whole in the media bucket (`key`); params hold their first characters."""

    model_config = _PRIVATE

    key: str
    fields: dict[str, int]  # name: full length in characters


class _TwilioEnvelope(BaseModel):
    model_config = _PRIVATE

    received_at: str
    params: dict[str, str]
    oversize: OversizeFields | None = None

    @field_validator("received_at")
    @classmethod
    def _stored_form(cls, value: str) -> str:
        return normalize_timestamp(value)


class InboundEnvelope(_TwilioEnvelope):
    # webchat.inbound: the chat API writes a resident's web chat message in the same shape (From=webchat:…),
    # so one consumer stores both into the same threads.
    kind: Literal["twilio.inbound", "webchat.inbound"]


class StatusEnvelope(_TwilioEnvelope):
    kind: Literal["twilio.status"]


class InboundRecord(SqsRecordModel):
    model_config = ConfigDict(hide_input_in_errors=True, defer_build=True)

    body: Json[InboundEnvelope]  # type: ignore[assignment]


class StatusRecord(SqsRecordModel):
    model_config = ConfigDict(hide_input_in_errors=True, defer_build=True)

    body: Json[StatusEnvelope]  # type: ignore[assignment]


class IncomingMedia(BaseModel):
    model_config = _PRIVATE

    index: int
    url: str
    content_type: str


class IncomingMessage(BaseModel):
    """The fields of Twilio's inbound webhook this product keeps."""

    model_config = _PRIVATE

    sid: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9]+$")
    account_sid: str = Field(min_length=2)
    from_address: str = Field(min_length=1)
    to_address: str = Field(min_length=1)
    body: str = ""
    media: tuple[IncomingMedia, ...] = ()
    received_at: str
    # The whole text's length when `body` is only its start (the webhook kept the rest in the media bucket).
    full_length: int | None = None
    # A WhatsApp shared location (Twilio's Latitude, Longitude, Address, Label); None when absent or garbled.
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    place_address: str | None = Field(default=None, max_length=500)
    place_label: str | None = Field(default=None, max_length=200)

    @classmethod
    def from_envelope(cls, envelope: InboundEnvelope) -> IncomingMessage:
        params = envelope.params
        return cls(
            full_length=envelope.oversize.fields.get("Body") if envelope.oversize else None,
            sid=params.get("MessageSid", ""),
            account_sid=params.get("AccountSid", ""),
            from_address=params.get("From", ""),
            to_address=params.get("To", ""),
            body=params.get("Body", ""),
            media=media_from_params(params),
            received_at=envelope.received_at,
            **shared_location(params),
        )


def shared_location(params: dict[str, str]) -> dict[str, float | str]:
    """A WhatsApp location pin: both coordinates as finite numbers in range, or nothing at all."""
    try:
        lat, lon = float(params.get("Latitude", "")), float(params.get("Longitude", ""))
    except ValueError:
        return {}
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return {}
    found: dict[str, float | str] = {"latitude": lat, "longitude": lon}
    for name, key, limit in (("Address", "place_address", 500), ("Label", "place_label", 200)):
        if params.get(name, "").strip():
            found[key] = params[name].strip()[:limit]
    return found


def media_from_params(params: dict[str, str]) -> tuple[IncomingMedia, ...]:
    """MediaUrl{i}/MediaContentType{i} for i < NumMedia; a garbled NumMedia means no media, not a failure."""
    raw_count = params.get("NumMedia", "0").strip()
    count = int(raw_count) if re.fullmatch(r"\d{1,2}", raw_count) else 0
    media = []
    for index in range(min(count, MAX_MEDIA)):
        url = params.get(f"MediaUrl{index}", "").strip()
        if url:
            content_type = params.get(f"MediaContentType{index}", "").strip() or "application/octet-stream"
            media.append(IncomingMedia(index=index, url=url, content_type=content_type))
    return tuple(media)


class StatusCallback(BaseModel):
    model_config = _PRIVATE

    sid: str = Field(min_length=2)
    status: str = Field(min_length=1)
    error_code: str | None = None

    @classmethod
    def from_envelope(cls, envelope: StatusEnvelope) -> StatusCallback:
        params = envelope.params
        return cls(
            sid=params.get("MessageSid", ""),
            status=(params.get("MessageStatus") or params.get("SmsStatus") or "").strip().lower(),
            error_code=params.get("ErrorCode", "").strip() or None,
        )
