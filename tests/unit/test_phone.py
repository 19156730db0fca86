"""Addresses and channels as Twilio writes them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from switchboard.phone import (
    FICTIONAL_NUMBERS_ENV,
    InvalidAddress,
    InvalidPhoneNumber,
    address_on_channel,
    channel_of,
    is_e164,
    normalize_phone,
    parse_address,
)

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


# --- Phone numbers typed by people: parsed and validated by phonenumbers ------------------------------------


@pytest.fixture
def no_fictional_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in the cloud: the +1 555 switch the test suite and the local stack turn on is off."""
    monkeypatch.delenv(FICTIONAL_NUMBERS_ENV, raising=False)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # US, as people write it
        ("+12025550143", "+12025550143"),
        ("+1 202 555 0143", "+12025550143"),
        ("(202) 555-0143", "+12025550143"),
        ("202.555.0143", "+12025550143"),
        ("1 202 555 0143", "+12025550143"),
        ("2025550143", "+12025550143"),
        ("  +1-202-555-0143  ", "+12025550143"),
        ("+1 800 356 9377", "+18003569377"),  # toll-free
        # Canada shares +1
        ("+1 613 555 0123", "+16135550123"),
        ("613-555-0123", "+16135550123"),
        # international, with their country codes
        ("+44 20 7946 0958", "+442079460958"),
        ("+33 1 42 68 53 00", "+33142685300"),
        ("+61 2 9876 5432", "+61298765432"),
        ("+52 55 1234 5678", "+525512345678"),
    ],
)
def test_valid_numbers_are_written_in_e164(no_fictional_numbers: None, typed: str, expected: str) -> None:
    assert normalize_phone(typed) == expected
    assert is_e164(expected)


def test_a_national_number_is_read_in_the_default_region(no_fictional_numbers: None) -> None:
    assert normalize_phone("020 7946 0958", default_region="GB") == "+442079460958"
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone("020 7946 0958")  # not a US number
    assert normalize_phone("+1 202 555 0143", default_region="GB") == "+12025550143"  # a + wins


@pytest.mark.parametrize(
    "typed",
    [
        "0115550100",  # the three
        "1234567890",
        "+999 1234 5678",
        "+1 202 555 014",  # a digit short
        "+1 202 555 01433",  # a digit long
        "+1 555 555 0100",  # fictional: area code 555 is not in service
        "(555) 555-0100",
        "+1 123 555 0143",  # area codes never start with 1
        "+44 20 7946 095",
        "++12025550143",
        "+1 202 555 0143 ext 12",
        "1-800-FLOWERS",
        "+1 202 555 0143; DROP TABLE",
        "tel:+12025550143",
        "",
        "   ",
        "+",
        "call me",
        "+1" + "2" * 40,
    ],
)
def test_what_is_not_a_number_in_service_is_refused(no_fictional_numbers: None, typed: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone(typed)
    assert not is_e164(typed)


def test_the_refusal_never_holds_the_number(no_fictional_numbers: None) -> None:
    with pytest.raises(InvalidPhoneNumber) as refused:
        normalize_phone("1234567890")
    assert "1234567890" not in str(refused.value)
    assert isinstance(refused.value, ValueError)  # pydantic validators turn it into a 400 naming the field


def test_e164_means_valid_and_already_written_so() -> None:
    assert is_e164("+12025550143")
    assert not is_e164("12025550143") and not is_e164("+1 202 555 0143") and not is_e164("2025550143")


def test_fictional_555_numbers_only_with_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FICTIONAL_NUMBERS_ENV, "1")
    assert normalize_phone("+1 555 555 0100") == "+15555550100"
    assert normalize_phone("(555) 123-0001") == "+15551230001"
    assert is_e164("+15555550100")
    for still_refused in ("+1 555 555 01000", "5555550100 9", "1234567890", "+1 555 555 010"):
        with pytest.raises(InvalidPhoneNumber):
            normalize_phone(still_refused)
    monkeypatch.setenv(FICTIONAL_NUMBERS_ENV, "0")
    assert not is_e164("+15555550100")


@given(st.text(max_size=40))
def test_any_text_is_a_valid_e164_number_or_refused(typed: str) -> None:
    try:
        number = normalize_phone(typed)
    except InvalidPhoneNumber:
        return
    assert is_e164(number) and normalize_phone(number) == number
