"""The inbound pipeline: what happens to a resident's message, as an ordered list of steps.

Each capability that reacts to a resident's message (consent keywords, sign-up confirmation, callback and
reminder keywords, triage, alert-reply linking, routing, ...) is one small step object from its own domain,
with a declared contract (`StepContract`): its name, its place in the order, what it reads, what it may
change, and whether it may *claim* the message. The application's assembly registers the steps in one place
(functions/app/pipelines/); the inbox only defines the contract and runs it, so it imports no feature.

Claiming: the first step that answers a message completely (a STOP, a JOIN, a CALLBACK, DONE...) claims it.
Later steps that only make sense for a message meant for staff (`skip_when_claimed=True`: other keyword flows,
the revocation flag, triage) are then skipped; steps that must see every message (alert-reply linking,
routing) run regardless. A step's exception propagates: the SQS record is retried whole, so every step must be
idempotent for a redelivered MessageSid (`message.redelivered` says when the store found it stored already).

The delivery-status pipeline (`StatusPipeline`) is the same idea for Twilio's status callbacks: each step is
offered the status in order, and the first that owns the message applies it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from switchboard.observability import logger, metrics, redact_address
from switchboard.phone import Channel
from switchboard.words import OtherKeyword, first_keyword

from inbox.models.queue_messages import IncomingMessage
from inbox.models.records import SidRef


@dataclass(frozen=True)
class StepContract:
    """What a step declares about itself; the pipeline checks the order and the claims against it."""

    name: str
    order: int
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    may_claim: bool = False
    skip_when_claimed: bool = True
    runs_on_redelivery: bool = True
    # Steps that still read a message this step claimed: a conversation flow (a 311 report) answers free text
    # that may carry a crisis, so triage still scores it; a keyword (STOP, DONE) is never scored.
    still_read_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class InboundText:
    """A stored inbound message, as keyword handlers and automatic replies see it."""

    sid: str
    address: str
    channel: Channel
    thread_id: str
    body: str
    received_at: str


@dataclass
class InboundMessage:
    """A resident's message as the steps see it. The store step fills `thread_id` and `redelivered`."""

    incoming: IncomingMessage
    address: str
    channel: Channel
    thread_id: str | None = None
    redelivered: bool = False
    claimed_by: str | None = None
    answered: bool = False  # the claiming step sent the resident an automatic answer
    facts: dict[str, Any] = field(default_factory=dict)  # what earlier steps found, by step name

    @property
    def sid(self) -> str:
        return self.incoming.sid

    @property
    def body(self) -> str:
        return self.incoming.body

    @property
    def received_at(self) -> str:
        return self.incoming.received_at

    @property
    def to_address(self) -> str:
        return self.incoming.to_address

    @property
    def claimed(self) -> bool:
        return self.claimed_by is not None

    def text(self) -> InboundText:
        if self.thread_id is None:
            raise PipelineError("the message has no thread yet: the store step runs first")
        return InboundText(
            sid=self.sid,
            address=self.address,
            channel=self.channel,
            thread_id=self.thread_id,
            body=self.body,
            received_at=self.received_at,
        )

    def log_keys(self) -> dict[str, Any]:
        """What a step may log about the message: ids and a keyed hash, never the text or the number."""
        return {
            "message_sid": self.sid,
            "thread_id": self.thread_id,
            "from_hash": redact_address(self.address),
        }


@dataclass(frozen=True)
class StepResult:
    claimed: bool = False
    answered: bool = False
    fact: Any = None  # stored under the step's name in `message.facts` for later steps


CONTINUE = StepResult()


class InboundStep(Protocol):
    contract: StepContract

    def run(self, message: InboundMessage) -> StepResult: ...


class PipelineError(ValueError):
    """A registration that breaks the contract (duplicate names or orders, a claim a step did not declare)."""


def _checked_order(steps: Iterable[Any]) -> tuple[Any, ...]:
    ordered = tuple(sorted(steps, key=lambda step: step.contract.order))
    names = [step.contract.name for step in ordered]
    orders = [step.contract.order for step in ordered]
    if len(set(names)) != len(names):
        raise PipelineError(f"step names must be unique: {names}")
    if len(set(orders)) != len(orders):
        raise PipelineError(f"step orders must be unique: {list(zip(names, orders, strict=True))}")
    return ordered


class ReadScope(Protocol):
    def scope(self) -> AbstractContextManager[None]:
        """One message's reads are shared by its steps inside it (switchboard.read_once)."""


class InboundPipeline:
    """Runs the registered steps over one message, in their declared order. With `reads`, each message's
    steps share one memory of the items read and written (each item read once per message)."""

    def __init__(self, steps: Iterable[InboundStep], reads: ReadScope | None = None) -> None:
        self._steps: tuple[InboundStep, ...] = _checked_order(steps)
        self._reads = reads

    @property
    def contracts(self) -> tuple[StepContract, ...]:
        return tuple(step.contract for step in self._steps)

    def run(self, message: InboundMessage) -> InboundMessage:
        with self._reads.scope() if self._reads is not None else nullcontext():
            return self._run(message)

    def _run(self, message: InboundMessage) -> InboundMessage:
        claimers = {step.contract.name: step.contract for step in self._steps}
        for step in self._steps:
            contract = step.contract
            if message.claimed and contract.skip_when_claimed:
                claimer = claimers.get(message.claimed_by or "")
                if claimer is None or contract.name not in claimer.still_read_by:
                    continue
            if message.redelivered and not contract.runs_on_redelivery:
                continue
            result = step.run(message)
            if result.fact is not None:
                message.facts[contract.name] = result.fact
            if result.claimed:
                if not contract.may_claim:
                    raise PipelineError(f"step {contract.name!r} claimed without declaring may_claim")
                if not message.claimed:
                    message.claimed_by = contract.name
                    message.answered = result.answered
        if message.claimed_by:
            metrics.add_metric(name=f"Claimed_{message.claimed_by}", unit=MetricUnit.Count, value=1)
        logger.debug("Inbound pipeline ran", extra={"message_sid": message.sid, "by": message.claimed_by})
        return message


class SystemReplies(Protocol):
    def send(self, text: InboundText, body: str, *, purpose: str = "answer") -> None:
        """Record `body` in the thread as the automatic answer to `text` (once per inbound SID and purpose);
        queue it."""


# A keyword's handler: the reply to send the resident (recorded in the thread), or None (claimed, unanswered).
KeywordHandler = Callable[[InboundText, OtherKeyword], str | None]


class KeywordStep:
    """A step that reacts to a message whose first word is one of its keywords ("CALLBACK", "DONE", "YES").

    It claims every message it matches, answered or not: "CALLBACK me tomorrow please" is left for staff by
    its handler (None) and is no longer read by later keyword flows. Words the consent step owns (`reserved`)
    cannot be taken over."""

    def __init__(
        self,
        contract: StepContract,
        handlers: Mapping[str, KeywordHandler],
        replies: SystemReplies,
        reserved: Collection[str] = (),
    ) -> None:
        if not contract.may_claim:
            raise PipelineError(f"keyword step {contract.name!r} must declare may_claim")
        self.contract = contract
        self._replies = replies
        self._handlers: dict[str, KeywordHandler] = {}
        for keyword, handler in handlers.items():
            word = keyword.strip().upper()
            if not word.isalnum() or word in reserved:
                raise ValueError(f"{keyword!r} cannot be registered: consent keywords are fixed")
            self._handlers[word] = handler

    @property
    def keywords(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def run(self, message: InboundMessage) -> StepResult:
        keyword = first_keyword(message.body)
        if keyword is None or keyword.keyword not in self._handlers:
            return CONTINUE
        text = message.text()
        reply = self._handlers[keyword.keyword](text, keyword)
        if reply:
            self._replies.send(text, reply)
        logger.info("Keyword handled", extra={**message.log_keys(), "keyword": keyword.keyword})
        return StepResult(claimed=True, answered=bool(reply), fact=f"keyword:{keyword.keyword}")


class SidLookup(Protocol):
    def find_sid(self, sid: str) -> SidRef | None: ...


class StatusStep(Protocol):
    contract: StepContract

    def advance(self, ref: SidRef, status: str, error_code: str | None) -> bool | None:
        """None when the message is not this step's; otherwise whether its status moved forward."""


class StatusPipeline:
    """Delivery status callbacks: the SID is found in the inbox's index, then each step in order is offered
    the status and the first that owns the message applies it (an alert's text moves the alert's figures,
    any other outbound message its own status). It is the `StatusStore` that `apply_status_callback` uses."""

    def __init__(self, sids: SidLookup, steps: Iterable[StatusStep]) -> None:
        self._sids = sids
        self._steps: tuple[StatusStep, ...] = _checked_order(steps)

    @property
    def contracts(self) -> tuple[StepContract, ...]:
        return tuple(step.contract for step in self._steps)

    def find_sid(self, sid: str) -> SidRef | None:
        return self._sids.find_sid(sid)

    def advance_status(self, ref: SidRef, status: str, error_code: str | None) -> bool:
        for step in self._steps:
            moved = step.advance(ref, status, error_code)
            if moved is not None:
                return moved
        raise PipelineError("no status step owns this message: register the inbox's message status step")
