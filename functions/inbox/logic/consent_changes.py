"""Consent changes that do not come from a keyword (a carrier's opt-out error, later sign-up and import), and
the check the sender makes before a non-transactional message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from switchboard.dynamodb import TransactionConflict
from switchboard.observability import logger, metrics, redact_address
from switchboard.phone import Channel

from inbox.logic.consent_rules import apply_change
from inbox.models.consent import ALL_TOPICS, ConsentChange, ConsentState

# Optimistic writes lose only to another change of the same resident's consent at the same moment.
_ATTEMPTS = 5


class ConsentLedger(Protocol):
    def load_state(self, address: str) -> ConsentState: ...

    def record(self, changes: Sequence[ConsentChange], before: ConsentState, after: ConsentState) -> bool: ...


def record_change(ledger: ConsentLedger, change: ConsentChange) -> bool:
    """Append `change` and move the state on; False if this exact entry was recorded before."""
    for attempt in range(_ATTEMPTS):
        state = ledger.load_state(change.address)
        try:
            return ledger.record([change], state, apply_change(state, change))
        except TransactionConflict:
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def set_language(ledger: ConsentLedger, address: str, language: str, at: str) -> str | None:
    """The language the resident's alerts, reminders and automatic answers go out in, set by staff. Not a
    consent change: no ledger entry; the state beside the ledger and the subscriber items (an alert's audience
    per language) move together. The language before (None when it was not set)."""
    for _attempt in range(3):
        before = ledger.load_state(address)
        if before.language == language:
            return before.language
        after = replace(before, language=language, version=before.version + 1, updated_at=at)
        if ledger.record([], before, after):
            return before.language
    raise TransactionConflict("the resident's consent state kept moving")


class ConsentGate:
    """The sender's view of consent."""

    def __init__(self, ledger: ConsentLedger) -> None:
        self._ledger = ledger

    def may_send(self, address: str, topic: str | None) -> bool:
        """One strongly consistent read: an opt-out committed before this call is always seen."""
        return self._ledger.load_state(address).may_receive(topic)

    def record_carrier_opt_out(self, address: str, channel: Channel, at: str, source_id: str) -> None:
        """Twilio answered 21610: the number opted out with the carrier (e.g. STOP before we saw it)."""
        change = ConsentChange(
            address=address,
            channel=channel,
            topic=ALL_TOPICS,
            action="opt_out",
            at=at,
            source="carrier_error",
            source_id=source_id,
        )
        recorded = record_change(self._ledger, change)
        logger.info(
            "Carrier opt-out recorded",
            extra={"to_hash": redact_address(address), "message_id": source_id, "new": recorded},
        )
        metrics.add_metric(name="CarrierOptOutRecorded", unit=MetricUnit.Count, value=1)
