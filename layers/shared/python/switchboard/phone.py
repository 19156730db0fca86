"""Resident and agency addresses as Twilio writes them: `+15555550100` (SMS, MMS) or `whatsapp:+1555…`; a web
chat session is `webchat:{session_id}` (no phone number: the sender delivers its replies to the widget).

Phone numbers are parsed and validated here and nowhere else, by phonenumbers (Google's libphonenumber
metadata, the lite package): a number must exist in its country's numbering plan, not merely look like
E.164 (`1234567890`, `0115550100` and `+999 1234 5678` are refused). Numbers Twilio sends us (a webhook's
From/To) are addresses, not typed input, and are never refused here: short codes and sender ids are
addresses too.

Fictional numbers: the North American area code 555 is not in service, so `+1 555 …` is invalid, yet the
docs, the demo and the tests use it so that no real person is ever texted. `SWITCHBOARD_FICTIONAL_NUMBERS=1`
(set by the local stack and the test suite, never by the CDK app) accepts exactly those.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Literal

Channel = Literal["sms", "whatsapp", "webchat"]

WHATSAPP_PREFIX = "whatsapp:"
WEBCHAT_PREFIX = "webchat:"
DEFAULT_REGION = "US"
FICTIONAL_NUMBERS_ENV = "SWITCHBOARD_FICTIONAL_NUMBERS"
_MAX_ADDRESS_LENGTH = 64
_MAX_TYPED_LENGTH = 32
_FICTIONAL = re.compile(r"^(\+1|1)?555\d{7}$")
_TYPED_SEPARATORS = re.compile(r"[\s().\-/]")
_TYPED_SHAPE = re.compile(r"^\+?[0-9(][0-9\s().\-/]*$")


class InvalidPhoneNumber(ValueError):
    """Not a phone number in service anywhere: the message never holds the number itself."""


class InvalidAddress(ValueError):
    """An address Twilio would not send: empty, too long, or with whitespace/control characters inside."""


@dataclass(frozen=True)
class Address:
    """`value` is the address as stored (`whatsapp:` prefix kept); `number` is without the prefix."""

    value: str
    channel: Channel
    number: str


def parse_address(raw: str) -> Address:
    value = raw.strip()
    if not value or len(value) > _MAX_ADDRESS_LENGTH:
        raise InvalidAddress("address is empty or too long")
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise InvalidAddress("address contains whitespace or control characters")
    # Twilio writes the prefix in lower case; be lenient about case but store it canonically.
    if value[: len(WHATSAPP_PREFIX)].lower() == WHATSAPP_PREFIX:
        number = value[len(WHATSAPP_PREFIX) :]
        if not number:
            raise InvalidAddress("whatsapp address without a number")
        return Address(value=WHATSAPP_PREFIX + number, channel="whatsapp", number=number)
    if value[: len(WEBCHAT_PREFIX)].lower() == WEBCHAT_PREFIX:
        session = value[len(WEBCHAT_PREFIX) :]
        if not session:
            raise InvalidAddress("webchat address without a session")
        return Address(value=WEBCHAT_PREFIX + session, channel="webchat", number=session)
    # Short codes and alphanumeric sender ids are valid SMS addresses too, so no E.164 check here.
    return Address(value=value, channel="sms", number=value)


def channel_of(raw: str) -> Channel:
    return parse_address(raw).channel


def address_on_channel(number: str, channel: Channel) -> str:
    """The address to send from/to on `channel`: WhatsApp needs the prefix on both ends."""
    bare = parse_address(number).number
    return WHATSAPP_PREFIX + bare if channel == "whatsapp" else bare


def normalize_phone(typed: str, default_region: str = DEFAULT_REGION) -> str:
    """A phone number as people type it ("(202) 555-0143", "1 202 555 0143", "+44 20 7946 0958") in E.164.
    Without a country code it is read as a number of `default_region` (ISO 3166 code). InvalidPhoneNumber (a
    ValueError) when it is not a valid number: wrong length for its country, unknown country code, a number
    range not in service, letters, an extension."""
    text = typed.strip()
    if len(text) > _MAX_TYPED_LENGTH or not _TYPED_SHAPE.match(text):
        # Digits and separators only: phonenumbers is lenient, and would read "1-800-FLOWERS" as digits,
        # "ext. 12" as an extension and "++1…" as "+1…".
        raise InvalidPhoneNumber("not a phone number")
    import phonenumbers  # ~25 ms: imported by the functions that parse a typed number, not by every one

    compact = _TYPED_SEPARATORS.sub("", text)
    if _fictional(compact) and (compact.startswith("+1") or default_region in ("US", "CA")):
        return "+1" + compact[-10:]
    try:
        parsed = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber("not a phone number") from None
    if parsed.extension or not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber("not a phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def is_e164(value: str) -> bool:
    """True when `value` is a valid phone number already written in E.164 (what is stored and dialled)."""
    try:
        return value.startswith("+") and normalize_phone(value) == value
    except InvalidPhoneNumber:
        return False


def _fictional(compact: str) -> bool:
    """+1 555 XXX XXXX, typed with or without +1 / 1, when the switch is on."""
    return bool(_FICTIONAL.match(compact)) and os.environ.get(FICTIONAL_NUMBERS_ENV, "") in ("1", "true")
