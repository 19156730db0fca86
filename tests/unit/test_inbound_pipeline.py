"""The inbound pipeline's contract: steps run in their declared order, a claim skips the later keyword flows
but never the steps every message needs, and a registration that breaks the contract is refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from inbox.models.queue_messages import IncomingMessage
from inbox.models.records import SidRef
from inbox.pipeline import (
    CONTINUE,
    InboundMessage,
    InboundPipeline,
    KeywordStep,
    PipelineError,
    StatusPipeline,
    StepContract,
    StepResult,
)
from subscriptions.logic.inbound_keywords import RESERVED_WORDS

from tests.unit.fakes import RecordedReplies


def incoming(body: str, sid: str = "SM1") -> InboundMessage:
    message = IncomingMessage(
        sid=sid,
        account_sid="AC1",
        from_address="+15555550123",
        to_address="+15555550100",
        body=body,
        received_at="2026-11-25T10:00:00.000000Z",
    )
    return InboundMessage(incoming=message, address="+15555550123", channel="sms")


@dataclass
class Recorder:
    """A step that records that it ran, and claims when told to."""

    contract: StepContract
    log: list[str]
    claims: bool = False
    seen: list[Any] = field(default_factory=list)

    def run(self, message: InboundMessage) -> StepResult:
        self.log.append(self.contract.name)
        if self.contract.name == "store":
            message.thread_id = "t1"
        self.seen.append(dict(message.facts))
        return StepResult(claimed=self.claims, answered=self.claims, fact=self.contract.name.upper())


def steps(log: list[str], claimer: str | None = None) -> list[Recorder]:
    contracts = [
        StepContract("routing", 700, skip_when_claimed=False),
        StepContract("store", 100, skip_when_claimed=False),
        StepContract("consent", 200, may_claim=True),
        StepContract("callbacks", 310, may_claim=True),
        StepContract("triage", 500),
        StepContract("alert_link", 600, skip_when_claimed=False),
    ]
    return [Recorder(c, log, claims=c.name == claimer) for c in contracts]


def test_steps_run_in_their_declared_order_whatever_the_registration_order() -> None:
    log: list[str] = []
    message = InboundPipeline(steps(log)).run(incoming("pothole on Oak"))
    assert log == ["store", "consent", "callbacks", "triage", "alert_link", "routing"]
    assert message.claimed_by is None
    assert message.facts == {name: name.upper() for name in log}


def test_a_claim_skips_later_flows_but_not_the_steps_every_message_needs() -> None:
    log: list[str] = []
    message = InboundPipeline(steps(log, claimer="consent")).run(incoming("STOP"))
    assert log == ["store", "consent", "alert_link", "routing"]
    assert (message.claimed_by, message.answered) == ("consent", True)


def test_later_steps_read_what_earlier_steps_found() -> None:
    log: list[str] = []
    registered = steps(log)
    InboundPipeline(registered).run(incoming("hello"))
    routing = next(step for step in registered if step.contract.name == "routing")
    assert set(routing.seen[0]) == {"store", "consent", "callbacks", "triage", "alert_link"}


def test_a_new_capability_is_one_step_and_one_registration() -> None:
    log: list[str] = []

    class Survey:
        contract = StepContract("survey", 330, may_claim=True)

        def run(self, message: InboundMessage) -> StepResult:
            log.append("survey")
            return StepResult(claimed=message.body.strip().isdigit(), answered=True)

    InboundPipeline([*steps(log), Survey()]).run(incoming("5"))
    assert log == ["store", "consent", "callbacks", "survey", "alert_link", "routing"]


@pytest.mark.parametrize(
    "contracts",
    [
        [StepContract("a", 100), StepContract("a", 200)],
        [StepContract("a", 100), StepContract("b", 100)],
    ],
)
def test_names_and_orders_are_unique(contracts: list[StepContract]) -> None:
    with pytest.raises(PipelineError):
        InboundPipeline(Recorder(c, []) for c in contracts)


def test_a_step_that_claims_without_declaring_it_is_a_bug_not_a_silent_skip() -> None:
    rogue = Recorder(StepContract("rogue", 150), [], claims=True)
    with pytest.raises(PipelineError, match="may_claim"):
        InboundPipeline([Recorder(StepContract("store", 100), []), rogue]).run(incoming("hi"))


def test_steps_declared_not_to_run_on_redelivery_are_skipped_then() -> None:
    log: list[str] = []

    class Redelivered:
        contract = StepContract("store", 100, skip_when_claimed=False)

        def run(self, message: InboundMessage) -> StepResult:
            message.thread_id, message.redelivered = "t1", True
            return CONTINUE

    once = Recorder(StepContract("notify_once", 800, runs_on_redelivery=False), log)
    always = Recorder(StepContract("routing", 700, skip_when_claimed=False), log)
    InboundPipeline([Redelivered(), once, always]).run(incoming("hi"))
    assert log == ["routing"]


KEYWORDS = StepContract("callback_keywords", 310, may_claim=True)


def test_a_keyword_step_answers_its_words_and_claims_them_even_unanswered() -> None:
    replies = RecordedReplies()
    step = KeywordStep(
        KEYWORDS,
        {"callback": lambda text, kw: None if kw.rest else f"Pick a time, thread {text.thread_id}"},
        replies,
        RESERVED_WORDS,
    )
    answered = incoming("Callback!")
    answered.thread_id = "t1"
    assert step.run(answered) == StepResult(claimed=True, answered=True, fact="keyword:CALLBACK")
    assert [body for _, body in replies.sent] == ["Pick a time, thread t1"]

    for_staff = incoming("callback me tomorrow please")
    for_staff.thread_id = "t1"
    assert step.run(for_staff) == StepResult(claimed=True, answered=False, fact="keyword:CALLBACK")
    assert len(replies.sent) == 1

    other = incoming("when is my callback")
    other.thread_id = "t1"
    assert step.run(other) == CONTINUE


@pytest.mark.parametrize("word", ["STOP", "stopall", "Unsubscribe", "START", "HELP", "JOIN", "opt"])
def test_a_keyword_step_cannot_take_a_consent_word(word: str) -> None:
    with pytest.raises(ValueError, match="cannot be registered"):
        KeywordStep(KEYWORDS, {word: lambda text, kw: None}, RecordedReplies(), RESERVED_WORDS)


def test_a_keyword_step_must_declare_that_it_claims() -> None:
    with pytest.raises(PipelineError):
        KeywordStep(StepContract("k", 310), {"DONE": lambda text, kw: None}, RecordedReplies())


class Sids:
    def __init__(self, refs: dict[str, SidRef]) -> None:
        self.refs = refs

    def find_sid(self, sid: str) -> SidRef | None:
        return self.refs.get(sid)


class Owner:
    def __init__(self, name: str, order: int, owns: str, log: list[str]) -> None:
        self.contract = StepContract(name, order)
        self._owns, self._log = owns, log

    def advance(self, ref: SidRef, status: str, error_code: str | None) -> bool | None:
        if self._owns == "alert" and not ref.alert_id:
            return None
        self._log.append(f"{self.contract.name}:{status}")
        return True


def test_a_status_goes_to_the_first_step_that_owns_its_message() -> None:
    log: list[str] = []
    alert_ref = SidRef("t1", "M#1", "out", alert_id="al1", address="+15555550123")
    reply_ref = SidRef("t2", "M#2", "out")
    pipeline = StatusPipeline(
        Sids({"SMa": alert_ref, "SMr": reply_ref}),
        [Owner("message_status", 900, "any", log), Owner("alert_text_status", 100, "alert", log)],
    )
    assert pipeline.find_sid("SMa") == alert_ref and pipeline.find_sid("SMx") is None
    assert pipeline.advance_status(alert_ref, "delivered", None)
    assert pipeline.advance_status(reply_ref, "sent", None)
    assert log == ["alert_text_status:delivered", "message_status:sent"]


def test_a_status_nobody_owns_is_an_error_not_a_lost_update() -> None:
    pipeline = StatusPipeline(Sids({}), [Owner("alert_text_status", 100, "alert", [])])
    with pytest.raises(PipelineError):
        pipeline.advance_status(SidRef("t2", "M#2", "out"), "sent", None)


def test_a_claim_lets_only_the_steps_it_names_still_read_the_message() -> None:
    """A conversation flow claims free text that may carry a crisis: triage still scores it; a keyword's claim
    (consent) lets nothing else read it, and steps the flow does not name stay skipped."""
    log: list[str] = []
    flow = Recorder(
        StepContract("report_flow", 305, may_claim=True, still_read_by=("triage",)), log, claims=True
    )
    triage = Recorder(StepContract("triage", 500), log)
    revocation = Recorder(StepContract("revocation_flag", 390), log)
    InboundPipeline([flow, revocation, triage]).run(incoming("the wire is down by my kid"))
    assert log == ["report_flow", "triage"]

    log.clear()
    keyword = Recorder(StepContract("consent", 200, may_claim=True), log, claims=True)
    InboundPipeline([keyword, flow, triage]).run(incoming("STOP"))
    assert log == ["consent"]  # the flow declares skip_when_claimed (default): nothing after the keyword
