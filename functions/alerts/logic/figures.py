"""Status callbacks of alert texts: the recipient's figure moves forward only, like a thread message's status
(a late `sent` after `delivered` changes nothing), and a failure's Twilio error code is counted."""

from __future__ import annotations

from typing import Protocol

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
