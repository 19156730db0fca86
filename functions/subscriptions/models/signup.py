"""The hosted sign-up page's request, and a sign-up waiting for the resident's YES."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from inbox.models.consent import AlertChannel
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from switchboard.email_address import MAX_EMAIL_LENGTH, normalize_email
from switchboard.languages import Language
from switchboard.phone import normalize_phone

_TOPIC = re.compile(r"^[A-Z][A-Z0-9]{1,19}$")
# Someone who submits the form again gets another confirmation text only after this long: the page is public,
# and every text costs the agency money (and could be aimed at a stranger's phone).
RESEND_AFTER_S = 15 * 60
PENDING_FOR_S = 24 * 3600


def _texts_only() -> list[AlertChannel]:
    return ["sms"]


class SignupRequest(BaseModel):
    # Validation errors are logged: never echo the phone number back.
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True, defer_build=True)

    phone: str = Field(min_length=7, max_length=32)
    topics: list[str] = Field(min_length=1, max_length=20)
    zip_code: str | None = Field(default=None, pattern=r"^\d{5}$")
    # A street address, resolved to the agency's neighbourhood zones through its address points.
    address: str | None = Field(default=None, min_length=3, max_length=200)
    language: Language = "en"
    # How alerts reach them (issue 22): texts, a voice call to the phone, an email; one or several.
    channels: list[AlertChannel] = Field(default_factory=lambda: _texts_only(), min_length=1, max_length=3)
    # Validated even when absent: email alerts without an address name this field (after `channels`).
    email: str | None = Field(default=None, max_length=MAX_EMAIL_LENGTH, validate_default=True)

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: list[AlertChannel]) -> list[AlertChannel]:
        return sorted(set(value))

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None, info: ValidationInfo) -> str | None:
        wanted = "email" in info.data.get("channels", ())
        if value is None or not value.strip():
            if wanted:
                raise ValueError("email alerts need an email address")
            return None
        try:
            return normalize_email(value)
        except ValueError:
            raise ValueError("email must be an address such as name@example.org") from None

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str) -> str:
        try:
            return normalize_phone(value)
        except ValueError:
            raise ValueError("phone must be a mobile number such as +1 202 555 0143") from None

    @field_validator("topics")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        codes = sorted({code.strip().upper() for code in value})
        if not all(_TOPIC.match(code) for code in codes):
            raise ValueError("topics must be topic codes")
        return codes


class SignupAccepted(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    status: Literal["confirmation_sent"] = "confirmation_sent"


class TopicView(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    code: str
    name: str


class TopicList(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    agency: str
    topics: list[TopicView]  # named in `lang`
    languages: list[str]
    lang: str = "en"  # the language of `words` and of the topics' names (English for one with no catalog)
    words: dict[
        str, str
    ] = {}  # the page's words (catalogs/<lang>/signup_page.json), keyed without the domain


@dataclass(frozen=True)
class PendingSignup:
    signup_id: str
    address: str
    topics: tuple[str, ...]
    zip_code: str | None
    language: str
    requested_at: str
    sent_at_epoch: int
    expires_at: int  # epoch seconds; the table's TTL removes it
    zones: tuple[str, ...] = ()  # from the address, resolved when the page was sent (the ZIP is added at YES)
    zone_names: tuple[str, ...] = ()
    channels: tuple[str, ...] = ("sms",)
    email: str | None = None


# Countries a subscriber import may hold (calling-code prefixes). The sign-up page texts the countries of the
# TEXT_COUNTRY_CODES setting (CDK parameter TextCountryCodes, default 1 = US/CA: switchboard.public_texts).
SIGNUP_COUNTRY_PREFIXES = ("+1",)


class UnsupportedNumber(ValueError):
    """A number outside the countries the agency texts."""


class UnknownAddress(ValueError):
    """The address is not among the agency's address points (or lies in none of its zones)."""


class UnknownTopic(ValueError):
    """The request names a topic the agency does not offer."""
