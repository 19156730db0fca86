"""Issue 22: a subscriber chooses how alerts reach them (texts, voice calls, email): on the sign-up page,
in an import file's columns; each channel chosen or given up is its own consent ledger entry."""

from __future__ import annotations

import pytest
from inbox.logic.alert_channels import channel_changes
from inbox.logic.consent_rules import apply_change
from inbox.models.consent import ALL_TOPICS, ConsentChange, ConsentState, Topic
from pydantic import ValidationError
from subscriptions.logic.signup import signup_confirmation_step
from subscriptions.logic.subscriber_import import import_subscribers, parse_rows
from subscriptions.models.signup import SignupRequest
from switchboard.email_address import find_email, normalize_email

from tests.unit.fakes import InMemoryConsent, RecordedReplies
from tests.unit.test_signup import PHONE, TOPICS, InMemorySignups, Texts, sign_up, yes_message

AT = "2026-12-07T10:00:00.000000Z"
TEMPLATE = ConsentChange(
    address=PHONE, channel="sms", topic="WATER", action="opt_in", at=AT, source="signup", source_id="s1"
)


def test_a_new_subscriber_gets_texts_only_until_they_choose_otherwise() -> None:
    state = ConsentState(address=PHONE)
    assert state.channels == {"sms"} and state.alerts_by("sms")
    assert not state.alerts_by("voice") and not state.alerts_by("email")


def test_each_channel_that_changes_is_one_entry_and_the_state_follows() -> None:
    before = ConsentState(address=PHONE)
    changes = channel_changes(before, ["voice", "email"], "ana@example.org", template=TEMPLATE)
    assert [(c.medium, c.action, c.topic, c.email) for c in changes] == [
        ("sms", "opt_out", ALL_TOPICS, None),
        ("voice", "opt_in", ALL_TOPICS, None),
        ("email", "opt_in", ALL_TOPICS, "ana@example.org"),
    ]
    after = before
    for change in changes:
        after = apply_change(after, change)
    assert after.channels == {"voice", "email"} and after.email == "ana@example.org"
    # An entry about a channel never touches topics or a STOP of everything.
    assert after.topics == before.topics and not after.opted_out_all
    assert len({c.ledger_key for c in changes}) == 3
    # Choosing the same again records nothing; a new address is a new opt-in.
    assert channel_changes(after, ["voice", "email"], "ana@example.org", template=TEMPLATE) == []
    moved = channel_changes(after, ["voice", "email"], "ana@example.net", template=TEMPLATE)
    assert [(c.medium, c.action, c.email) for c in moved] == [("email", "opt_in", "ana@example.net")]


def test_an_email_opt_out_stops_email_alerts_and_nothing_else() -> None:
    state = ConsentState(address=PHONE, topics=frozenset({"WATER"}), channels=frozenset({"sms", "email"}))
    state = apply_change(state, ConsentChange(**{**TEMPLATE.__dict__, "medium": "email", "email": "a@b.org"}))
    out = ConsentChange(**{**TEMPLATE.__dict__, "action": "opt_out", "topic": ALL_TOPICS, "medium": "email"})
    after = apply_change(state, out)
    assert not after.alerts_by("email") and after.alerts_by("sms")
    assert after.topics == {"WATER"} and not after.opted_out_all and after.may_receive("WATER")


@pytest.mark.parametrize(
    ("typed", "normal"),
    [("Ana@Example.ORG", "Ana@example.org"), ("  x.y+alerts@mail.example.co ", "x.y+alerts@mail.example.co")],
)
def test_email_addresses_are_normalised(typed: str, normal: str) -> None:
    assert normalize_email(typed) == normal


@pytest.mark.parametrize(
    "typed",
    ["", "ana", "ana@", "@example.org", "ana@example", "a b@example.org", "<a@example.org>", "a..b@x.org"],
)
def test_what_is_not_an_email_address_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="not an email address") as raised:
        normalize_email(typed)
    assert typed.strip() == "" or typed not in str(raised.value)


def test_an_email_is_found_in_a_residents_sentence() -> None:
    assert find_email("my email is Ana@Example.org, thanks") == "Ana@example.org"
    assert find_email("no thanks") is None


def test_the_sign_up_request_needs_an_address_for_email_alerts_and_names_the_field() -> None:
    with pytest.raises(ValidationError) as raised:
        SignupRequest(phone=PHONE, topics=["WATER"], channels=["email"])
    assert [e["loc"][-1] for e in raised.value.errors()] == ["email"]
    with pytest.raises(ValidationError):
        SignupRequest(phone=PHONE, topics=["WATER"], channels=["fax"])  # type: ignore[list-item]
    with pytest.raises(ValidationError):
        SignupRequest(phone=PHONE, topics=["WATER"], channels=[])
    request = SignupRequest(phone=PHONE, topics=["WATER"], channels=["voice", "sms", "voice"])
    assert request.channels == ["sms", "voice"] and request.email is None


def test_yes_to_a_sign_up_records_the_channels_chosen_on_the_page() -> None:
    signups, texts, consent = InMemorySignups(), Texts(), InMemoryConsent(TOPICS)
    sign_up(signups, texts, 1000.0, channels=["voice", "email"], email="ana@example.org")
    step = signup_confirmation_step(
        consent=consent,
        signups=signups,
        agency_name=lambda: "Demo",
        replies=RecordedReplies(),
        now=lambda: 2000.0,
    )
    step.run(yes_message("YES", AT))

    state = consent.load_state(PHONE)
    assert (
        state.topics == {"WATER"}
        and state.channels == {"voice", "email"}
        and state.email == "ana@example.org"
    )
    entries = {(c.medium, c.action, c.source) for c in consent.ledger.values()}
    assert entries == {
        (None, "opt_in", "signup"),
        ("sms", "opt_out", "signup"),
        ("voice", "opt_in", "signup"),
        ("email", "opt_in", "signup"),
    }


def test_an_import_file_may_name_channels_and_an_email() -> None:
    topics = (Topic("WATER", "Water service"),)
    text = (
        "phone,topics,channels,email\n"
        "+15555550101,WATER,sms email,ana@example.org\n"
        "+15555550102,WATER,voice,\n"
        "+15555550103,WATER,email,\n"
        "+15555550104,WATER,fax,\n"
        "+15555550105,WATER,,\n"
    )
    rows, errors = parse_rows(text, topics)
    assert [(r.address[-3:], r.channels, r.email) for r in rows] == [
        ("101", ("email", "sms"), "ana@example.org"),
        ("102", ("voice",), None),
        ("105", None, None),
    ]
    assert [(e["row"], e["field"]) for e in errors] == [(4, "email"), (5, "channels")]

    ledger = InMemoryLedger()
    import_subscribers(ledger, text, topics=topics, provenance="paper forms", actor_sub="sup")
    assert ledger.load_state("+15555550101").channels == {"sms", "email"}
    assert ledger.load_state("+15555550102").channels == {"voice"}
    assert ledger.load_state("+15555550105").channels == {"sms"}  # no channels given: left as they were
    voice = [c for c in ledger.consent.ledger.values() if c.address.endswith("102") and c.medium]
    assert {(c.medium, c.action, c.source, c.provenance) for c in voice} == {
        ("sms", "opt_out", "import", "paper forms"),
        ("voice", "opt_in", "import", "paper forms"),
    }


class InMemoryLedger:
    """The import's view of the ledger (with its once-per-row marker)."""

    def __init__(self) -> None:
        self.consent = InMemoryConsent()
        self.markers: set[str] = set()

    def load_state(self, address: str) -> ConsentState:
        return self.consent.load_state(address)

    def record(
        self,
        changes: list[ConsentChange],
        before: ConsentState,
        after: ConsentState,
        *,
        once_key: dict[str, str] | None = None,
    ) -> bool:
        if once_key is not None:
            if once_key["pk"] in self.markers:
                return False
            self.markers.add(once_key["pk"])
        return self.consent.record(changes, before, after)
