"""The triage step of the inbound pipeline (issue 17 item 4), through InboundPipeline with in-memory fakes."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from inbox.models.queue_messages import IncomingMessage
from inbox.pipeline import CONTINUE, InboundMessage, InboundPipeline, InboundText, StepContract, StepResult
from switchboard.observability import logger
from triage.logic.inbound_step import TriageStep
from triage.logic.scorer import Scorer, default_rules
from triage.models.rules import RuleSet
from triage.models.score import Score

THREAD = "t1"


@dataclass
class FakeTriageStore:
    """The table's rules in memory: the thread rises while the message is unanswered, the crisis claim is
    free after the window or for the message that holds it."""

    messages: dict[str, str] = field(default_factory=lambda: {})  # sid -> message sk
    scores: dict[str, Score] = field(default_factory=dict)  # message sk -> score
    thread: dict[str, Any] = field(default_factory=dict)
    claim: dict[str, str] | None = None
    audit: dict[str, dict[str, Any]] = field(default_factory=dict)
    notices: dict[str, dict[str, Any]] = field(default_factory=dict)

    def find_message(self, sid: str) -> tuple[str, str] | None:
        return (THREAD, self.messages[sid]) if sid in self.messages else None

    def store_message_score(self, thread_id: str, message_sk: str, score: Score) -> None:
        self.scores[message_sk] = score

    def raise_thread(self, thread_id: str, score: Score, received_at: str) -> bool:
        waiting = self.thread.get("waiting_since")
        order = str(2 - ["normal", "high", "critical"].index(score.level))
        if waiting is None or waiting > received_at:
            return False
        if "triage_level" in self.thread and self.thread["triage_order"] <= order:
            return False
        self.thread.update(triage_level=score.level, triage_order=order, triage_reasons=score.codes)
        return True

    def claim_crisis_reply(self, thread_id: str, sid: str, at: str, not_before: str) -> bool:
        if self.claim is None or self.claim["sent_at"] < not_before or self.claim["sid"] == sid:
            self.claim = {"sid": sid, "sent_at": at}
            return True
        return False

    def put_audit(self, item: dict[str, Any]) -> None:
        self.audit[item["sk"]] = item

    def notify_supervisors(self, thread_id: str, sid: str, at: str, codes: list[str]) -> None:
        self.notices[f"{at}#{sid}"] = {"thread_id": thread_id, "codes": codes}


class ThreadReplies:
    """Like ThreadReplies.send: the reply's id follows from the message it answers."""

    def __init__(self) -> None:
        self.by_sid: dict[str, str] = {}
        self.calls = 0

    def send(self, text: InboundText, body: str, *, purpose: str = "answer") -> None:
        self.calls += 1
        self.by_sid.setdefault(text.sid, body)


class ClaimsKeywords:
    """A stand-in for the keyword step: claims STOP."""

    contract = StepContract(name="keywords", order=100, may_claim=True, skip_when_claimed=False)

    def run(self, message: InboundMessage) -> StepResult:
        return StepResult(claimed=True, answered=True) if message.body.strip().upper() == "STOP" else CONTINUE


@pytest.fixture
def store() -> FakeTriageStore:
    return FakeTriageStore(thread={"waiting_since": "2026-12-07T09:00:00.000000Z"})


@pytest.fixture
def replies() -> ThreadReplies:
    return ThreadReplies()


def message(
    sid: str, body: str, at: str = "2026-12-07T09:00:00.000000Z", redelivered: bool = False
) -> InboundMessage:
    incoming = IncomingMessage(
        sid=sid,
        account_sid="AC1",
        from_address="+15555550100",
        to_address="+15555550199",
        body=body,
        received_at=at,
    )
    return InboundMessage(
        incoming=incoming, address="+15555550100", channel="sms", thread_id=THREAD, redelivered=redelivered
    )


def run(store: FakeTriageStore, replies: ThreadReplies, *messages: InboundMessage) -> None:
    pipeline = InboundPipeline([ClaimsKeywords(), TriageStep(store, replies)])
    for each in messages:
        store.messages.setdefault(each.sid, f"MSG#{each.received_at}#{each.sid}")
        pipeline.run(each)


def test_a_self_harm_message_is_scored_raises_the_thread_and_gets_one_crisis_answer(
    store: FakeTriageStore, replies: ThreadReplies
) -> None:
    run(store, replies, message("SM1", "I took all my pills"))

    (score,) = store.scores.values()
    assert score.level == "critical" and "self_harm.method" in score.codes
    assert store.thread["triage_level"] == "critical" and store.thread["triage_order"] == "0"
    assert replies.by_sid == {"SM1": default_rules().crisis_reply["en"]}
    assert "988" in replies.by_sid["SM1"] and "911" in replies.by_sid["SM1"]
    (entry,) = store.audit.values()
    assert entry["action"] == "triage.crisis_reply" and entry["thread_id"] == THREAD
    assert entry["detail"]["codes"] == "self_harm.method"
    assert "pills" not in json.dumps(entry)  # ids and codes, never the text
    assert list(store.notices.values()) == [{"thread_id": THREAD, "codes": ["self_harm.method"]}]


def test_a_redelivered_message_sid_sends_no_second_answer(
    store: FakeTriageStore, replies: ThreadReplies
) -> None:
    first = message("SM1", "i want to kill myself")
    run(store, replies, first, message("SM1", "i want to kill myself", redelivered=True))
    assert list(replies.by_sid) == ["SM1"]
    assert len(store.audit) == 1  # the same entry rewritten


def test_one_crisis_answer_per_thread_per_24_hours(store: FakeTriageStore, replies: ThreadReplies) -> None:
    run(
        store,
        replies,
        message("SM1", "i want to die", at="2026-12-07T09:00:00.000000Z"),
        message("SM2", "I am going to kill myself", at="2026-12-07T20:00:00.000000Z"),
    )
    assert list(replies.by_sid) == ["SM1"]
    run(store, replies, message("SM3", "still want to die", at="2026-12-08T09:00:00.000001Z"))
    assert list(replies.by_sid) == ["SM1", "SM3"]


def test_the_window_is_the_steps_to_configure(store: FakeTriageStore, replies: ThreadReplies) -> None:
    step = TriageStep(store, replies, crisis_window=timedelta(hours=1))
    pipeline = InboundPipeline([step])
    for sid, at in [("SM1", "2026-12-07T09:00:00.000000Z"), ("SM2", "2026-12-07T10:30:00.000000Z")]:
        store.messages[sid] = f"MSG#{at}#{sid}"
        pipeline.run(message(sid, "i want to die", at=at))
    assert list(replies.by_sid) == ["SM1", "SM2"]


def test_a_spanish_message_gets_the_spanish_answer(store: FakeTriageStore, replies: ThreadReplies) -> None:
    run(store, replies, message("SM1", "me quiero morir"))
    assert replies.by_sid["SM1"] == default_rules().crisis_reply["es"]


def test_the_crisis_text_is_the_agencys_data() -> None:
    data = default_rules().model_dump()
    data["crisis_reply"] = {"en": "Springfield crisis line: call 555-0100 or 988. In danger now: 911."}
    custom = Scorer(RuleSet.model_validate(data))

    class AgencyRules:
        def scorer(self) -> Scorer:
            return custom

    store, replies = FakeTriageStore(thread={"waiting_since": "2026-12-07T09:00:00.000000Z"}), ThreadReplies()
    store.messages["SM1"] = "MSG#1"
    # Spanish words, but the agency wrote only English resources: English is the fallback.
    InboundPipeline([TriageStep(store, replies, rules=AgencyRules())]).run(message("SM1", "me quiero morir"))
    assert replies.by_sid["SM1"].startswith("Springfield crisis line")


def test_a_critical_message_that_is_not_self_harm_or_violence_gets_no_automatic_answer(
    store: FakeTriageStore, replies: ThreadReplies
) -> None:
    run(store, replies, message("SM1", "I smell gas in the kitchen"))
    assert store.thread["triage_level"] == "critical"
    assert replies.calls == 0 and store.audit == {}


def test_keyword_texts_are_never_scored(store: FakeTriageStore, replies: ThreadReplies) -> None:
    run(store, replies, message("SM1", "STOP"))
    assert store.scores == {} and "triage_level" not in store.thread


def test_the_thread_keeps_the_highest_level_of_its_unanswered_messages(
    store: FakeTriageStore, replies: ThreadReplies
) -> None:
    run(
        store,
        replies,
        message("SM1", "no heat and my baby is freezing", at="2026-12-07T09:00:01.000000Z"),
        message("SM2", "when is trash day", at="2026-12-07T09:00:02.000000Z"),
    )
    assert store.thread["triage_level"] == "high"
    assert [s.level for s in store.scores.values()] == ["high", "normal"]


def test_a_photo_without_a_caption_is_not_scored(store: FakeTriageStore, replies: ThreadReplies) -> None:
    run(store, replies, message("SM1", "   "))
    assert store.scores == {}


def test_logs_carry_codes_never_the_text(store: FakeTriageStore, replies: ThreadReplies) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        run(store, replies, message("SM1", "I took all my pills, Elm Street 42"))
    finally:
        logger.removeHandler(handler)
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    triaged = next(r for r in records if r["message"] == "Message triaged")
    assert (triaged["urgency"], triaged["codes"]) == ("critical", ["self_harm.method"])
    assert "pills" not in stream.getvalue() and "Elm Street" not in stream.getvalue()
