"""The inbound pipeline: what happens to a resident's message, as an ordered list of steps.

Each capability that reacts to a resident's message (consent keywords, sign-up confirmation, callback and
reminder keywords, triage, alert-reply linking, routing, ...) is one small step object from its own domain,
with a declared contract (`StepContract`): its name, its place in the order, what it reads, what it may
change, and whether it may *claim* the message. The application's assembly registers the steps in one place
(functions/app/pipelines.py); the inbox only defines the contract and runs it, so it imports no feature.

Claiming: the first step that answers a message completely (a STOP, a JOIN, a CALLBACK, DONE...) claims it.
Later steps that only make sense for a message meant for staff (`skip_when_claimed=True`: other keyword flows,
the revocation flag, triage) are then skipped; steps that must see every message (alert-reply linking,
routing) run regardless. A step's exception propagates: the SQS record is retried whole, so every step must be
idempotent for a redelivered MessageSid (`message.redelivered` says when the store found it stored already).

The delivery-status pipeline (`StatusPipeline`) is the same idea for Twilio's status callbacks: each step is
offered the callback in order, and the first whose `claims` accepts it applies it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from switchboard.observability import logger, metrics
from switchboard.phone import Channel

from inbox.models.queue_messages import IncomingMessage


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


class InboundPipeline:
    """Runs the registered steps over one message, in their declared order."""

    def __init__(self, steps: Iterable[InboundStep]) -> None:
        self._steps: tuple[InboundStep, ...] = _checked_order(steps)

    @property
    def contracts(self) -> tuple[StepContract, ...]:
        return tuple(step.contract for step in self._steps)

    def run(self, message: InboundMessage) -> InboundMessage:
        for step in self._steps:
            contract = step.contract
            if message.claimed and contract.skip_when_claimed:
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


@dataclass(frozen=True)
class StatusUpdate:
    """A Twilio status callback as the status steps see it."""

    sid: str
    status: str
    error_code: str | None
    at: str
    facts: dict[str, Any] = field(default_factory=dict)


class StatusStep(Protocol):
    contract: StepContract

    def apply(self, update: StatusUpdate) -> bool | None:
        """None when the SID is not this step's; otherwise whether the status moved forward."""


class StatusPipeline:
    """Offers each status callback to the steps in order; the first that knows its SID applies it."""

    def __init__(self, steps: Sequence[StatusStep]) -> None:
        self._steps: tuple[StatusStep, ...] = _checked_order(steps)

    @property
    def contracts(self) -> tuple[StepContract, ...]:
        return tuple(step.contract for step in self._steps)

    def apply(self, update: StatusUpdate) -> bool | None:
        for step in self._steps:
            moved = step.apply(update)
            if moved is not None:
                return moved
        return None
