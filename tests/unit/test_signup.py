"""The hosted sign-up: a request only texts a YES-to-confirm (at most once per number per 15 minutes); the YES
subscribes as asked, with the sign-up as the ledger's source."""

from __future__ import annotations

import pytest
from inbox.models.consent import Topic
from inbox.models.queue_messages import IncomingMessage
from inbox.pipeline import InboundMessage, InboundText
from pydantic import ValidationError
from subscriptions.logic.signup import confirm_signup_handler, request_signup, signup_confirmation_step
from subscriptions.models.signup import PendingSignup, SignupRequest, UnknownTopic, UnsupportedNumber
from switchboard.public_texts import PER_CLIENT, PER_NUMBER, PublicTextGuard, TooManyTexts

from tests.unit.fakes import InMemoryConsent, RecordedReplies

TOPICS = (Topic("WATER", "Water service"), Topic("STORM", "Storm warnings"))
PHONE = "+15555550123"


class InMemorySignups:
    def __init__(self) -> None:
        self.items: dict[str, PendingSignup] = {}

    def put_unless_recent(self, signup: PendingSignup, resend_before_epoch: int) -> bool:
        existing = self.items.get(signup.address)
        if existing and existing.sent_at_epoch >= resend_before_epoch:
            return False
        self.items[signup.address] = signup
        return True

    def pending(self, address: str, now_epoch: int) -> PendingSignup | None:
        signup = self.items.get(address)
        return signup if signup and signup.expires_at > now_epoch else None

    def remove(self, address: str) -> None:
        self.items.pop(address, None)


class Texts:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send_first(self, address: str, message_id: str, body: str) -> None:
        self.sent.append((address, body))


class InMemoryCounters:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def increment(self, key: str, expires_at: int) -> int:
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]


def sign_up(
    signups: InMemorySignups,
    texts: Texts,
    at: float,
    guard: PublicTextGuard | None = None,
    client: str = "203.0.113.10",
    **fields: object,
) -> bool:
    request = SignupRequest(**{"phone": "555-555-0123", "topics": ["water"], **fields})  # type: ignore[arg-type]
    return request_signup(
        request,
        topics=TOPICS,
        signups=signups,
        texts=texts,
        agency="Demo County",
        guard=guard or PublicTextGuard(InMemoryCounters(), daily_cap=1000),
        client_address=client,
        now=lambda: at,
    )


def yes_message(body: str, received_at: str) -> InboundMessage:
    """The resident's answer to the confirmation text, as the inbound pipeline hands it to a step."""
    incoming = IncomingMessage(
        sid="SMyes",
        account_sid="AC1",
        from_address=PHONE,
        to_address="+15555550100",
        body=body,
        received_at=received_at,
    )
    return InboundMessage(incoming=incoming, address=PHONE, channel="sms", thread_id="t1")


def test_a_sign_up_texts_a_yes_to_confirm_once_per_fifteen_minutes() -> None:
    signups, texts = InMemorySignups(), Texts()
    assert sign_up(signups, texts, 1000.0, zip_code="94110")
    assert texts.sent == [
        (PHONE, "Demo County: Reply YES to get WATER alerts for ZIP 94110. Msg&data rates may apply. "
         "Reply STOP to cancel.")
    ]  # fmt: skip
    assert not sign_up(signups, texts, 1000.0 + 14 * 60)
    assert sign_up(signups, texts, 1000.0 + 16 * 60)
    assert len(texts.sent) == 2


def test_numbers_outside_the_served_countries_get_no_text() -> None:
    texts = Texts()
    with pytest.raises(UnsupportedNumber):
        sign_up(InMemorySignups(), texts, 0.0, phone="+44 20 7946 0958")
    assert texts.sent == []


def test_an_unknown_topic_is_refused() -> None:
    with pytest.raises(UnknownTopic):
        sign_up(InMemorySignups(), Texts(), 0.0, topics=["FLOODS"])


@pytest.mark.parametrize(
    ("phone", "normalized"),
    [
        ("5555550123", PHONE),
        ("(555) 555-0123", PHONE),
        ("1 555 555 0123", PHONE),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone_numbers_are_normalized_to_e164(phone: str, normalized: str) -> None:
    assert SignupRequest(phone=phone, topics=["WATER"]).phone == normalized


@pytest.mark.parametrize("phone", ["12345", "555-CALL-NOW", "+0 555 555 0123", "<script>"])
def test_bad_phone_numbers_are_refused_without_echoing_them(phone: str) -> None:
    with pytest.raises(ValidationError) as raised:
        SignupRequest(phone=phone, topics=["WATER"])
    assert phone not in str(raised.value)


def test_yes_confirms_the_pending_sign_up_and_only_then_subscribes() -> None:
    signups, texts, consent, replies = InMemorySignups(), Texts(), InMemoryConsent(TOPICS), RecordedReplies()
    sign_up(signups, texts, 1000.0, topics=["WATER", "STORM"], zip_code="94110", language="es")
    assert consent.ledger == {}
    step = signup_confirmation_step(
        consent=consent,
        signups=signups,
        agency_name=lambda: "Demo County",
        replies=replies,
        now=lambda: 2000.0,
    )
    message = yes_message("yes.", "2026-11-25T10:00:00.000000Z")

    outcome = step.run(message)

    assert outcome.claimed and outcome.answered and outcome.fact == "keyword:YES"
    state = consent.load_state(PHONE)
    assert state.topics == {"WATER", "STORM"} and state.zones == ("zip:94110",) and state.language == "es"
    assert {(c.source, c.action) for c in consent.ledger.values()} == {
        ("signup", "opt_in"),
        ("signup", "set_zone"),
    }
    # The page asked for Spanish: the answer to the English YES is Spanish too.
    assert "suscrito a las alertas de STORM, WATER para el código postal 94110" in replies.sent[-1][1]
    assert signups.items == {}


def test_yes_after_the_sign_up_expired_subscribes_nobody() -> None:
    signups, consent = InMemorySignups(), InMemoryConsent(TOPICS)
    sign_up(signups, Texts(), 1000.0)
    confirm = confirm_signup_handler(
        consent=consent, signups=signups, agency_name=lambda: "Demo County", now=lambda: 1000.0 + 25 * 3600
    )
    from switchboard.words import first_keyword

    keyword = first_keyword("YES")
    assert keyword is not None
    assert (
        confirm(InboundText("SMyes", PHONE, "sms", "t1", "YES", "2026-11-25T10:00:00.000000Z"), keyword)
        is None
    )
    assert consent.ledger == {}


def test_fifteen_sign_ups_in_a_second_from_one_address_send_only_what_the_address_may() -> None:
    # Given a flood: 15 sign-ups to different numbers from one client address within the same second
    signups, texts = InMemorySignups(), Texts()
    guard = PublicTextGuard(InMemoryCounters(), daily_cap=1000)
    refused = 0
    for n in range(15):
        try:
            sign_up(signups, texts, 1000.0, guard, phone=f"+1555555{n:04d}")
        except TooManyTexts as error:
            refused += 1
            assert error.limit == PER_CLIENT and 0 < error.retry_after_s <= 3600
    # Then only the address's allowance went out, and each refusal sent nothing and left nothing pending
    assert len(texts.sent) == PER_CLIENT.max_count and refused == 15 - PER_CLIENT.max_count
    assert len(signups.items) == PER_CLIENT.max_count


def test_the_agencys_daily_cap_holds_across_addresses_and_resets_the_next_day() -> None:
    signups, texts = InMemorySignups(), Texts()
    guard = PublicTextGuard(InMemoryCounters(), daily_cap=3)
    outcomes = []
    for n in range(6):  # six different people, six different numbers
        try:
            outcomes.append(
                sign_up(signups, texts, 1000.0, guard, client=f"198.51.100.{n}", phone=f"+1555666{n:04d}")
            )
        except TooManyTexts as error:
            outcomes.append(error.limit.scope)
    assert outcomes == [True, True, True, "pubtext-agency", "pubtext-agency", "pubtext-agency"]
    assert len(texts.sent) == 3 and len(signups.items) == 3
    # The next UTC day the agency may text again
    assert sign_up(signups, texts, 1000.0 + 86400, guard, client="198.51.100.9", phone="+15556660009")


def test_one_number_gets_a_few_confirmations_a_day_at_most() -> None:
    signups, texts = InMemorySignups(), Texts()
    guard = PublicTextGuard(InMemoryCounters(), daily_cap=1000)
    for n in range(PER_NUMBER.max_count):  # each past the 15-minute resend rule, from another address
        assert sign_up(signups, texts, 1000.0 + n * 16 * 60, guard, client=f"192.0.2.{n}")
    with pytest.raises(TooManyTexts):
        sign_up(signups, texts, 1000.0 + PER_NUMBER.max_count * 16 * 60, guard, client="192.0.2.99")
    assert len(texts.sent) == PER_NUMBER.max_count


def test_countries_texted_come_from_the_setting() -> None:
    guard = PublicTextGuard(InMemoryCounters(), daily_cap=1000, allowed_prefixes=("+1", "+44"))
    assert sign_up(InMemorySignups(), Texts(), 0.0, guard, phone="+44 20 7946 0958")
    with pytest.raises(UnsupportedNumber):
        sign_up(InMemorySignups(), Texts(), 0.0, guard, phone="+52 55 1234 5678")
