"""The inbound pipeline's triage step (functions/inbox/pipeline.py): every resident message meant for staff is
scored when stored, the thread takes the highest level of its unanswered messages, and a critical self-harm
or violence message gets one automatic answer with the agency's crisis resources.

Keyword texts (STOP, HELP, JOIN...) are claimed by earlier steps and never reach this one
(`skip_when_claimed`). Every write is idempotent for a redelivered MessageSid: the score is rewritten the
same, the thread only ever rises, and the crisis answer's claim is keyed on the thread and names the message
that holds it, while the answer's id follows from the MessageSid. Logs carry reason codes, never the text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from inbox.pipeline import CONTINUE, InboundMessage, InboundText, StepContract, StepResult, SystemReplies
from switchboard.audit import Actor, AuditAction, AuditEntry
from switchboard.clock import format_timestamp
from switchboard.i18n import say
from switchboard.observability import logger, metrics

from triage.logic.scorer import Scorer, default_rules
from triage.logic.second_opinion import NoSecondOpinion, SecondOpinion
from triage.models.score import Score

SYSTEM_ACTOR = Actor(sub="switchboard")
CRISIS_WINDOW = timedelta(hours=24)


class TriageStore(Protocol):
    def find_message(self, sid: str) -> tuple[str, str] | None: ...

    def store_message_score(self, thread_id: str, message_sk: str, score: Score) -> None: ...

    def raise_thread(self, thread_id: str, score: Score, received_at: str) -> bool: ...

    def claim_crisis_reply(self, thread_id: str, sid: str, at: str, not_before: str) -> bool: ...

    def put_audit(self, item: dict[str, Any]) -> None: ...

    def notify_supervisors(self, thread_id: str, sid: str, at: str, codes: list[str]) -> None: ...

    def oncall(self) -> dict[str, Any] | None: ...


class OnCallTexts(Protocol):
    def send_first(self, address: str, message_id: str, body: str, at: str | None = None) -> None:
        """Text `address`, stored and sent once per `message_id` and `at`."""


class RulesSource(Protocol):
    def scorer(self) -> Scorer: ...


class ShippedRules:
    """The rules shipped with the package (functions/triage/data/rules.json)."""

    def __init__(self) -> None:
        self._scorer = Scorer(default_rules())

    def scorer(self) -> Scorer:
        return self._scorer


def _earlier(at: str, by: timedelta) -> str:
    return format_timestamp(datetime.fromisoformat(at.replace("Z", "+00:00")) - by)


def _later(at: str) -> str:
    """Just after `at` (the on-call text sorts after the message that caused it)."""
    return _earlier(at, timedelta(milliseconds=-2))


class TriageStep:
    contract = StepContract(
        name="triage",
        order=500,
        reads=("message.body", "thread.waiting_since", "thread.triage_order"),
        writes=("message.triage", "thread.triage_level", "thread.triage_order", "thread.triage_reasons"),
        may_claim=False,
        skip_when_claimed=True,
    )

    def __init__(
        self,
        store: TriageStore,
        replies: SystemReplies,
        rules: RulesSource | None = None,
        crisis_window: timedelta = CRISIS_WINDOW,
        oncall_texts: OnCallTexts | None = None,
        agency_name: Callable[[], str] | None = None,
        second_opinion: SecondOpinion | None = None,
    ) -> None:
        self._store = store
        self._replies = replies
        self._rules = rules or ShippedRules()
        self._crisis_window = crisis_window
        self._oncall_texts = oncall_texts
        self._agency_name = agency_name or (lambda: "Switchboard")
        self._second_opinion = second_opinion or NoSecondOpinion()

    def run(self, message: InboundMessage) -> StepResult:
        if not message.body.strip():
            return CONTINUE  # a photo without a caption: nothing to read
        found = self._store.find_message(message.sid)
        if found is None:
            logger.warning("Triage found no stored message", extra={"message_sid": message.sid})
            return CONTINUE
        thread_id, message_sk = found
        scorer = self._rules.scorer()
        score = self._second_opinion.review(message.body, scorer.score(message.body))
        self._store.store_message_score(thread_id, message_sk, score)
        raised = self._store.raise_thread(thread_id, score, message.received_at)
        logger.info(
            "Message triaged",
            extra={
                "message_sid": message.sid,
                "thread_id": thread_id,
                "urgency": score.level,
                "codes": score.codes,
                "rules_version": score.rules_version,
                "thread_raised": raised,
            },
        )
        metrics.add_metric(name=f"Triage_{score.level}", unit=MetricUnit.Count, value=1)
        if score.crisis:
            self._answer_crisis(message, thread_id, score, scorer)
        return StepResult(fact=score)

    def _answer_crisis(self, message: InboundMessage, thread_id: str, score: Score, scorer: Scorer) -> None:
        at = message.received_at
        log_keys = {"message_sid": message.sid, "thread_id": thread_id, "codes": score.codes}
        if not self._store.claim_crisis_reply(thread_id, message.sid, at, _earlier(at, self._crisis_window)):
            logger.info("Crisis answer already sent to this thread in the window", extra=log_keys)
            metrics.add_metric(name="TriageCrisisReplyWithheld", unit=MetricUnit.Count, value=1)
            return
        # The agency's own answer if an admin wrote one (its English for a language it did not write), else
        # the catalog's in the resident's language.
        resources = scorer.rules.crisis_reply
        body = (
            resources.get(score.language) or resources.get("en") or say("triage.crisis_reply", score.language)
        )
        # A conversational answer to the resident's own message, not marketing: it goes out even to a
        # resident who opted out of alerts.
        self._replies.send(
            InboundText(
                sid=message.sid,
                address=message.address,
                channel=message.channel,
                thread_id=thread_id,
                body=message.body,
                received_at=at,
            ),
            body,
        )
        crisis_codes = [code for code in score.codes if code.split(".")[0] in {"self_harm", "violence"}]
        self._audit(
            "triage.crisis_reply",
            f"crisis:{message.sid}",
            at,
            thread_id,
            {
                "codes": ",".join(crisis_codes or score.codes),
                "language": score.language,
                "rules_version": str(score.rules_version),
            },
        )
        self._store.notify_supervisors(thread_id, message.sid, at, score.codes)
        logger.info("Crisis answer sent", extra={**log_keys, "language": score.language})
        metrics.add_metric(name="TriageCrisisReplySent", unit=MetricUnit.Count, value=1)
        self._page_oncall(message.sid, thread_id, at, crisis_codes or list(score.codes))

    def _page_oncall(self, sid: str, thread_id: str, at: str, codes: list[str]) -> None:
        """Text the agency's on-call number, if an admin set one: catalog words and a link to the
        conversation, never the resident's text. Once per crisis: the text's id and time follow from the
        message, so a redelivery stores and sends the same text once."""
        oncall = self._store.oncall() if self._oncall_texts is not None else None
        if self._oncall_texts is None or not oncall or not oncall.get("number"):
            return
        link = f"{oncall.get('page_url') or ''}#thread/{thread_id}"
        body = say("triage.oncall_page", "en", agency=self._agency_name(), link=link)
        self._oncall_texts.send_first(str(oncall["number"]), f"triage-oncall:{sid}", body, at=_later(at))
        self._audit("triage.oncall_page", f"oncall:{sid}", at, thread_id, {"codes": ",".join(codes)})
        log_keys = {"message_sid": sid, "thread_id": thread_id, "codes": codes}
        logger.info("On-call number texted", extra=log_keys)
        metrics.add_metric(name="TriageOnCallTexted", unit=MetricUnit.Count, value=1)

    def _audit(self, action: AuditAction, key: str, at: str, thread_id: str, detail: dict[str, str]) -> None:
        """An audit entry whose id follows from `key` (the message): a redelivery rewrites the same entry."""
        entry = AuditEntry(
            actor=SYSTEM_ACTOR,
            action=action,
            at=at,
            entry_id=hashlib.sha256(key.encode()).hexdigest()[:32],
            thread_id=thread_id,
            detail=detail,
        )
        self._store.put_audit(entry.item())
