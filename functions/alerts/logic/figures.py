"""Status callbacks of alert texts: the recipient's figure moves forward only, like a thread message's status
(a late `sent` after `delivered` changes nothing), and a failure's Twilio error code is counted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from inbox.models.records import SidRef
from inbox.pipeline import StepContract
from switchboard.clock import utc_now_iso
from switchboard.phone import Channel, parse_address
from switchboard.statuses import FAILURE_STATUSES, rank_of

from alerts.logic.delivery import TWILIO_OPTED_OUT, bucket_of


class FigureStore(Protocol):
    def advance(
        self, alert_id: str, address: str, *, status: str, rank: int, bucket: str, reason: str | None
    ) -> bool: ...


def advance_alert_status(
    store: FigureStore, alert_id: str, address: str, status: str, error_code: str | None
) -> bool:
    rank = rank_of(status)
    if rank is None:
        return False
    status = status.strip().lower()
    reason = error_code if status in FAILURE_STATUSES and error_code else None
    bucket = "opted_out" if reason == TWILIO_OPTED_OUT else bucket_of(status)
    return store.advance(alert_id, address, status=status, rank=rank, bucket=bucket, reason=reason)


ALERT_TEXT_STATUS = StepContract(
    name="alert_text_status",
    order=100,
    reads=("sid_ref.alert_id", "status", "error_code"),
    writes=("alert.figures", "alert.recipient_status", "consent_ledger"),
)


class CarrierOptOuts(Protocol):
    def record_carrier_opt_out(self, address: str, channel: Channel, at: str, source_id: str) -> object: ...


class AlertTextStatusStep:
    """A status step: an alert's text moves its alert's figures (not a thread's message)."""

    contract = ALERT_TEXT_STATUS

    def __init__(self, figures: FigureStore, consent: CarrierOptOuts, now: Callable[[], str] = utc_now_iso):
        self._figures = figures
        self._consent = consent
        self._now = now

    def advance(self, ref: SidRef, status: str, error_code: str | None) -> bool | None:
        if not (ref.alert_id and ref.address):
            return None
        if error_code == TWILIO_OPTED_OUT:
            # The carrier refused after accepting (the resident opted out with it): the ledger hears it
            # first, so a retried callback records it again rather than not at all.
            channel = parse_address(ref.address).channel
            self._consent.record_carrier_opt_out(ref.address, channel, self._now(), ref.alert_id)
        return advance_alert_status(self._figures, ref.alert_id, ref.address, status, error_code)
