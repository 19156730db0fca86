"""Twilio status callbacks applied to outbound messages, forward only.

Callbacks arrive duplicated and out of order ("sent" after "delivered"): a stale one is a success.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from switchboard.observability import logger, metrics
from switchboard.statuses import FAILURE_STATUSES, rank_of

from inbox.models.queue_messages import StatusCallback
from inbox.models.records import SidRef
from inbox.pipeline import StepContract


class StatusStore(Protocol):
    def find_sid(self, sid: str) -> SidRef | None: ...

    def advance_status(self, ref: SidRef, status: str, error_code: str | None) -> bool: ...


class StatusOutcome(StrEnum):
    APPLIED = "applied"
    STALE = "stale"
    UNKNOWN_SID = "unknown_sid"
    INBOUND_SID = "inbound_sid"
    UNTRACKED_STATUS = "untracked_status"


def apply_status_callback(callback: StatusCallback, store: StatusStore) -> StatusOutcome:
    outcome = _apply(callback, store)
    logger.info(
        "Status callback handled",
        extra={"message_sid": callback.sid, "status": callback.status, "outcome": outcome.value},
    )
    metric = "StatusCallback" + outcome.value.title().replace("_", "")  # e.g. StatusCallbackUnknownSid
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    return outcome


def _apply(callback: StatusCallback, store: StatusStore) -> StatusOutcome:
    if rank_of(callback.status) is None:
        return StatusOutcome.UNTRACKED_STATUS
    ref = store.find_sid(callback.sid)
    if ref is None:
        # Not a message this product sent (or already expired): nothing to update, and retrying will not help.
        return StatusOutcome.UNKNOWN_SID
    if ref.direction == "in":
        return StatusOutcome.INBOUND_SID
    error_code = callback.error_code if callback.status in FAILURE_STATUSES else None
    if store.advance_status(ref, callback.status, error_code):
        return StatusOutcome.APPLIED
    return StatusOutcome.STALE


MESSAGE_STATUS = StepContract(
    name="message_status",
    order=900,
    reads=("sid_ref", "status", "error_code"),
    writes=("message.status", "message.error_code"),
)


class MessageStore(Protocol):
    def advance_status(self, ref: SidRef, status: str, error_code: str | None) -> bool: ...


class MessageStatusStep:
    """The last status step: any other outbound message (an agent's reply, an automatic answer) moves its
    own status in its thread."""

    contract = MESSAGE_STATUS

    def __init__(self, messages: MessageStore) -> None:
        self._messages = messages

    def advance(self, ref: SidRef, status: str, error_code: str | None) -> bool | None:
        return self._messages.advance_status(ref, status, error_code)
