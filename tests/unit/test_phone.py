"""Addresses and channels as Twilio writes them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from switchboard.phone import InvalidAddress, address_on_channel, channel_of, parse_address

e164 = st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True)


@given(e164)
def test_whatsapp_prefix_selects_the_whatsapp_channel_and_keeps_the_number(number: str) -> None:
    address = parse_address(f"whatsapp:{number}")

    assert (address.channel, address.number, address.value) == ("whatsapp", number, f"whatsapp:{number}")
    assert parse_address(address.value) == address


@given(e164)
def test_a_bare_number_is_sms(number: str) -> None:
    assert parse_address(number).channel == "sms"
    assert parse_address(f"  {number} ").value == number


@given(e164, st.sampled_from(["sms", "whatsapp"]))
def test_address_on_channel_round_trips(number: str, channel: str) -> None:
    address = address_on_channel(number, channel)  # type: ignore[arg-type]

    assert channel_of(address) == channel
    assert parse_address(address).number == number
    assert address_on_channel(address, channel) == address  # already prefixed: unchanged  # type: ignore[arg-type]


def test_prefix_case_is_normalised() -> None:
    assert parse_address("WhatsApp:+15555550124").value == "whatsapp:+15555550124"


def test_short_codes_and_sender_ids_are_sms_addresses() -> None:
    assert parse_address("87654").channel == "sms"
    assert parse_address("CITYHALL").channel == "sms"


@pytest.mark.parametrize("raw", ["", "   ", "whatsapp:", "+1 555 555 0123", "+1555\x00123", "x" * 65])
def test_invalid_addresses_are_refused(raw: str) -> None:
    with pytest.raises(InvalidAddress):
        parse_address(raw)


@given(st.text(max_size=80))
def test_any_text_parses_or_raises_invalid_address(raw: str) -> None:
    try:
        address = parse_address(raw)
    except InvalidAddress:
        return
    assert address.value and not any(ch.isspace() for ch in address.value)
