"""Web chat's pure logic: session tokens, rate windows, business hours, contact details, the address."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from switchboard.phone import parse_address
from webchat.logic.hours import InvalidHours, parse_hours
from webchat.logic.rate_limits import SESSION_MESSAGES, RateLimited, check_limit
from webchat.logic.tokens import InvalidToken, issue_token, new_session_id, verify_token
from webchat.models.chat import ChatMessageIn, Contact

KEY = b"k" * 64
NOW = 1_800_000_000


def test_a_token_verifies_until_it_expires_and_names_its_session() -> None:
    session = new_session_id()
    token = issue_token(KEY, session, NOW, ttl_s=60)
    assert verify_token(KEY, token.token, NOW + 59).session_id == session
    with pytest.raises(InvalidToken):
        verify_token(KEY, token.token, NOW + 60)


def test_a_token_signed_with_another_key_or_edited_is_refused() -> None:
    token = issue_token(KEY, new_session_id(), NOW).token
    version, session, expires, signature = token.split(".")
    for forged in (
        issue_token(b"other", session, NOW).token,
        f"{version}.{session}.{int(expires) + 3600}.{signature}",  # a longer life, same signature
        f"{version}.{new_session_id()}.{expires}.{signature}",  # someone else's session
        f"v2.{session}.{expires}.{signature}",
        "",
        None,
    ):
        with pytest.raises(InvalidToken):
            verify_token(KEY, forged, NOW)


@given(st.text(max_size=300))
def test_no_string_is_a_token_by_accident(garbage: str) -> None:
    with pytest.raises(InvalidToken):
        verify_token(KEY, garbage, NOW)


class Counters:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.expiries: dict[str, int] = {}

    def increment(self, key: str, expires_at: int) -> int:
        self.counts[key] = self.counts.get(key, 0) + 1
        self.expiries[key] = expires_at
        return self.counts[key]


def test_a_limit_counts_per_subject_and_window_and_says_when_to_retry() -> None:
    counters = Counters()
    start = NOW - NOW % 60
    for _ in range(SESSION_MESSAGES.max_count):
        check_limit(counters, SESSION_MESSAGES, "s1", start + 10)
    with pytest.raises(RateLimited) as limited:
        check_limit(counters, SESSION_MESSAGES, "s1", start + 10)
    assert limited.value.retry_after_s == 50
    check_limit(counters, SESSION_MESSAGES, "s2", start + 10)  # another session has its own count
    check_limit(counters, SESSION_MESSAGES, "s1", start + 60)  # the next window starts again
    assert all("s1" not in key for key in counters.counts)  # subjects are hashed, never stored as given
    assert all(expiry > start for expiry in counters.expiries.values())


def test_business_hours_say_when_the_next_answer_can_be_expected() -> None:
    hours = parse_hours("Mon-Fri 08:00-17:00", "America/New_York")
    assert hours is not None
    tuesday_noon = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # 12:00 in New York
    friday_evening = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)  # 18:00 in New York
    assert hours.is_open(tuesday_noon)
    assert not hours.is_open(friday_evening)
    assert hours.next_open(friday_evening).isoformat() == "2026-11-30T08:00:00-05:00"  # Monday 8 am
    assert parse_hours("", "UTC") is None  # always staffed
    assert parse_hours("sat 10:00-12:00", "UTC") is not None
    for bad in ("Mon-Fri 9-5", "Xyz 08:00-17:00", "Mon 17:00-08:00"):
        with pytest.raises(InvalidHours):
            parse_hours(bad, "UTC")


def test_contact_details_are_optional_and_checked() -> None:
    assert Contact().model_dump(exclude_none=True) == {}
    assert Contact(phone="(555) 555-0142").phone == "+15555550142"
    assert Contact(name="  ", email=" ana@example.org ").model_dump(exclude_none=True) == {
        "email": "ana@example.org"
    }
    for bad in ({"phone": "call me"}, {"email": "not-an-email"}, {"name": "x" * 101}):
        with pytest.raises(ValidationError):
            Contact(**bad)


def test_a_chat_message_needs_text_and_a_client_id() -> None:
    assert ChatMessageIn(body="hi", client_id="abcdefgh").body == "hi"
    for bad in ({"body": "   ", "client_id": "abcdefgh"}, {"body": "hi", "client_id": "x"}):
        with pytest.raises(ValidationError):
            ChatMessageIn(**bad)


def test_a_web_chat_session_is_an_address_on_its_own_channel() -> None:
    address = parse_address("webchat:" + "a" * 32)
    assert (address.channel, address.value) == ("webchat", "webchat:" + "a" * 32)


def test_availability_names_the_agency_time_zone_so_the_widget_shows_its_clock() -> None:
    # Given hours on Los Angeles time, asked on a Sunday (closed) and on a Monday morning (open)
    from webchat.logic.chat import availability

    hours = parse_hours("Mon-Fri 08:00-17:00", "America/Los_Angeles")
    sunday = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    monday = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # 09:00 in Los Angeles

    closed = availability(hours, "Mon-Fri 08:00-17:00", sunday)
    opened = availability(hours, "Mon-Fri 08:00-17:00", monday)

    assert (closed.open, closed.timezone) == (False, "America/Los_Angeles")
    assert closed.next_open == "2026-12-07T08:00:00-08:00"
    assert (opened.open, opened.timezone) == (True, "America/Los_Angeles")
    # Always staffed: no hours, no zone to show
    assert availability(None, "", sunday).timezone is None
