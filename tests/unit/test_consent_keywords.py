"""Consent state rules and the inbound keyword step with in-memory fakes: ledger, state, replies, flags."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from inbox.logic.consent_rules import apply_change
from inbox.models.consent import ConsentChange, ConsentState, Topic
from inbox.models.queue_messages import IncomingMessage
from inbox.pipeline import (
    InboundMessage,
    InboundPipeline,
    KeywordHandler,
    KeywordStep,
    StepContract,
    StepResult,
)
from subscriptions.logic.inbound_keywords import (
    RESERVED_WORDS,
    REVOCATION_FLAG,
    ConsentKeywordsStep,
    RevocationFlagStep,
)

from tests.unit.fakes import InMemoryConsent, RecordedReplies

AGENCY = "City of Springfield"
TOPICS = (Topic("WATER", "Water service"), Topic("STORM", "Storm warnings"), Topic("PARKING", "Parking"))
ADDRESS = "+15555550123"


OTHER_KEYWORDS = StepContract(name="other_keywords", order=310, may_claim=True)


class InThreadT1:
    """The store step's part for these tests: every text is in thread t1."""

    contract = StepContract(name="store", order=100, skip_when_claimed=False)

    def run(self, message: InboundMessage) -> StepResult:
        message.thread_id = "t1"
        return StepResult()


class Resident:
    """One resident texting the agency through the consent steps of the inbound pipeline (and, if given,
    another domain's keywords); each text gets a new SID and a later timestamp."""

    def __init__(
        self, consent: InMemoryConsent | None = None, keywords: dict[str, KeywordHandler] | None = None
    ) -> None:
        self.consent = consent or InMemoryConsent(TOPICS)
        self.replies = RecordedReplies()
        steps: list = [
            InThreadT1(),
            ConsentKeywordsStep(consent=self.consent, replies=self.replies, agency_name=lambda: AGENCY),
            RevocationFlagStep(self.consent),
        ]
        if keywords:
            steps.append(KeywordStep(OTHER_KEYWORDS, keywords, self.replies, reserved=RESERVED_WORDS))
        self.pipeline = InboundPipeline(steps)
        self.count = 0

    def texts(self, body: str, sid: str | None = None) -> str:
        """What answered the text: the consent outcome's kind, keyword:<WORD>, flagged, or none."""
        self.count += 1
        incoming = IncomingMessage(
            sid=sid or f"SM{self.count:032d}",
            account_sid="AC1",
            from_address=ADDRESS,
            to_address="+15555550100",
            body=body,
            received_at=f"2026-11-25T10:00:{self.count:02d}.000000Z",
        )
        message = self.pipeline.run(InboundMessage(incoming=incoming, address=ADDRESS, channel="sms"))
        if message.claimed_by == "consent_keywords":
            return str(message.facts["consent_keywords"].kind)
        if message.claimed_by:
            return str(message.facts[message.claimed_by])
        return "flagged" if "revocation_flag" in message.facts else "none"

    @property
    def state(self) -> ConsentState:
        return self.consent.load_state(ADDRESS)

    def last_reply(self) -> str:
        return self.replies.sent[-1][1]


def change(topic: str, action: str, n: int = 0) -> ConsentChange:
    return ConsentChange(ADDRESS, "sms", topic, action, f"t{n}", "keyword", f"SM{n}")  # type: ignore[arg-type]


def test_stop_records_an_opt_out_of_everything_and_confirms_it() -> None:
    resident = Resident()
    assert resident.texts("Stop.") == "opt_out"
    assert resident.state.opted_out_all and not resident.state.may_receive(None)
    [entry] = resident.consent.ledger.values()
    assert (entry.topic, entry.action, entry.source, entry.source_id) == (
        "ALL",
        "opt_out",
        "keyword",
        "SM" + "0" * 31 + "1",
    )
    assert entry.channel == "sms" and entry.at == "2026-11-25T10:00:01.000000Z"
    assert (
        resident.last_reply().startswith(f"{AGENCY}: You are unsubscribed")
        and "START" in resident.last_reply()
    )


def test_start_resumes_the_subscriptions_stop_suspended() -> None:
    resident = Resident()
    resident.texts("JOIN WATER")
    resident.texts("STOP")
    assert resident.state.suspended_topics == {"WATER"} and not resident.state.may_receive("WATER")
    assert resident.texts("unstop") == "opt_in"
    assert resident.state.may_receive("WATER") and resident.state.topics == {"WATER"}
    assert [c.action for c in resident.consent.ledger.values()] == ["opt_in", "opt_out", "opt_in"]


def test_stop_a_topic_stops_only_that_topic() -> None:
    resident = Resident()
    resident.texts("JOIN ALL")
    assert resident.state.topics == {"WATER", "STORM", "PARKING"}
    resident.texts("stop water")
    assert not resident.state.may_receive("WATER")
    assert resident.state.may_receive("STORM") and resident.state.may_receive(None)
    assert resident.state.topics == {"STORM", "PARKING"}
    assert "Water service" in resident.last_reply()


def test_help_names_the_agency_and_how_to_stop() -> None:
    resident = Resident()
    assert resident.texts("help?") == "help"
    assert resident.last_reply().startswith(AGENCY + ":") and "STOP" in resident.last_reply()
    assert resident.consent.ledger == {}


def test_join_alone_lists_the_topics() -> None:
    resident = Resident()
    assert resident.texts("join") == "join"
    assert "WATER, STORM, PARKING" in resident.last_reply()
    assert resident.state.topics == frozenset()


def test_join_an_unknown_topic_lists_the_topics_and_changes_nothing() -> None:
    resident = Resident()
    resident.texts("JOIN FLOODS")
    assert "FLOODS is not a topic" in resident.last_reply() and resident.consent.ledger == {}


def test_a_zip_in_reply_to_the_prompt_records_the_zone() -> None:
    resident = Resident()
    resident.texts("JOIN WATER")
    assert resident.state.awaiting == "zip" and "ZIP" in resident.last_reply()
    assert resident.texts("94110") == "zone"
    # The zone is set; the next prompt (issue 22) offers alerts by email too.
    assert resident.state.zones == ("zip:94110",) and resident.state.awaiting == "email"
    assert "94110" in resident.last_reply() and "email address" in resident.last_reply()


def test_an_email_in_reply_to_the_prompt_adds_email_alerts_and_only_then() -> None:
    resident = Resident()
    assert resident.texts("ana@example.org") == "none"  # nobody asked: a message for staff
    resident.texts("JOIN WATER")
    resident.texts("94110")
    assert resident.texts("no thanks") == "none"  # no address in it: for staff, the prompt still waits
    assert resident.texts("it is Ana@Example.ORG") == "email"
    state = resident.state
    assert state.channels == {"sms", "email"} and state.email == "Ana@example.org" and state.awaiting is None
    assert "Ana@example.org" in resident.last_reply()
    assert [(c.medium, c.action, c.source) for c in resident.consent.ledger.values() if c.medium] == [
        ("email", "opt_in", "keyword")
    ]
    assert resident.texts("other@example.org") == "none"  # answered once: the prompt is gone


def test_a_zip_nobody_asked_for_is_a_message_for_staff() -> None:
    resident = Resident()
    assert resident.texts("94110") == "none"
    assert resident.replies.sent == [] and resident.state.zones == ()


def test_a_redelivered_stop_records_once_and_answers_the_same() -> None:
    resident = Resident()
    resident.texts("STOP", sid="SMdup")
    resident.count -= 1  # same received_at, as SQS redelivers the same record
    resident.texts("STOP", sid="SMdup")
    assert len(resident.consent.ledger) == 1
    assert [sid for sid, _ in resident.replies.sent] == ["SMdup", "SMdup"]  # the reply store dedupes by SID


def test_a_redelivered_zip_is_still_answered_after_the_prompt_was_cleared() -> None:
    resident = Resident()
    resident.texts("JOIN WATER")
    resident.texts("94110", sid="SMzip")
    resident.count -= 1
    assert resident.texts("94110", sid="SMzip") == "zone"
    assert len(resident.consent.ledger) == 2


def test_free_text_revocation_flags_the_thread_and_changes_nothing() -> None:
    resident = Resident()
    assert resident.texts("Please stop texting me") == "flagged"
    assert resident.consent.flags == [("t1", REVOCATION_FLAG)]
    assert resident.consent.ledger == {} and resident.replies.sent == []


def test_another_keyword_is_registered_in_one_line() -> None:
    resident = Resident(keywords={"callback": lambda text, kw: f"We will call you ({' '.join(kw.rest)})"})
    assert resident.texts("Callback tomorrow") == "keyword:CALLBACK"
    assert resident.last_reply() == "We will call you (TOMORROW)"
    assert resident.texts("STOP") == "opt_out"  # consent keywords come first


@pytest.mark.parametrize("word", ["STOP", "start", "HELP", "join", "opt"])
def test_consent_keywords_cannot_be_taken_over(word: str) -> None:
    with pytest.raises(ValueError, match="cannot be registered"):
        KeywordStep(OTHER_KEYWORDS, {word: lambda text, keyword: None}, RecordedReplies(), RESERVED_WORDS)


def test_join_after_stop_gets_only_the_topic_joined() -> None:
    state = ConsentState(ADDRESS, topics=frozenset({"WATER", "STORM"}))
    state = apply_change(state, change("ALL", "opt_out", 1))
    state = apply_change(state, change("PARKING", "opt_in", 2))
    assert state.may_receive("PARKING")
    assert not state.may_receive("WATER") and not state.may_receive(None)
    state = apply_change(state, change("ALL", "opt_in", 3))
    assert state.topics == {"WATER", "STORM", "PARKING"} and state.may_receive(None)


ACTIONS = st.sampled_from(["opt_in", "opt_out"])
TOPIC_OR_ALL = st.sampled_from(["ALL", "WATER", "STORM"])


@given(st.lists(st.tuples(TOPIC_OR_ALL, ACTIONS), max_size=12))
def test_the_latest_word_decides(history: list[tuple[str, str]]) -> None:
    state = ConsentState(ADDRESS)
    for n, (topic, action) in enumerate(history):
        state = apply_change(state, change(topic, action, n))
    assert state.version == len(history)
    # A WATER alert: the latest change naming WATER or ALL decides; none means no objection.
    latest = next(((t, a) for t, a in reversed(history) if t in ("ALL", "WATER")), None)
    assert state.may_receive("WATER") == (latest is None or latest[1] == "opt_in")
    # A message without a topic: only ALL changes count.
    latest_all = next((a for t, a in reversed(history) if t == "ALL"), None)
    assert state.may_receive(None) == (latest_all != "opt_out")
    # Subscribed topics are always sendable.
    assert all(state.may_receive(topic) for topic in state.topics)
