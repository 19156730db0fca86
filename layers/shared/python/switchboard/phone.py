"""Resident and agency addresses as Twilio writes them: `+15555550100` (SMS, MMS) or `whatsapp:+1555…`; a web
chat session is `webchat:{session_id}` (no phone number: the sender delivers its replies to the widget)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Channel = Literal["sms", "whatsapp", "webchat"]

WHATSAPP_PREFIX = "whatsapp:"
WEBCHAT_PREFIX = "webchat:"
_MAX_ADDRESS_LENGTH = 64
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


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


def normalize_phone(typed: str) -> str:
    """A phone number as people type it ("(555) 555-0100", "1 555 555 0100", "+44 20 …") in E.164; ten digits
    without a country code are North American. ValueError when it is not a phone number."""
    digits = re.sub(r"[\s().-]", "", typed)
    if re.fullmatch(r"\d{10}", digits):
        digits = "+1" + digits
    elif re.fullmatch(r"1\d{10}", digits):
        digits = "+" + digits
    if not _E164.match(digits):
        raise ValueError("not a phone number")
    return digits
