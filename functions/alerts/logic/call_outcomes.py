"""The outcome of a voice alert's call (issue 22, "delivery figures per channel"): Twilio reports the call's
end to the call status route with `?alert={alert_id}` (the sender asks for it,
alerts.integrations.alert_calls), and the recipient's figure moves from `sent` to `delivered` (answered, by
a person or a machine per `AnsweredBy`) or `failed` (busy, no answer, failed, canceled: the reason
counted), forward only and once per (alert, resident, channel): a redelivered callback finds the figure
already moved and changes nothing."""

from __future__ import annotations

import re
from typing import Any, Protocol

from switchboard.observability import logger
from switchboard.statuses import rank_of

from alerts.logic.delivery import bucket_of
from alerts.models.alerts import delivery_key

ALERT_QUERY = re.compile(r"^alert=(al[0-9a-f]{16})$")

# Twilio's final call statuses and what each means for the alert's figure (and the failure reason counted).
CALL_OUTCOMES: dict[str, tuple[str, str | None]] = {
    "in-progress": ("delivered", None),
    "completed": ("delivered", None),
    "busy": ("failed", "call_busy"),
    "no-answer": ("failed", "call_no_answer"),
    "failed": ("failed", "call_failed"),
    "canceled": ("failed", "call_canceled"),
}


def status_callback_query(alert_id: str) -> str:
    return f"alert={alert_id}"


def alert_of_query(raw_query: str) -> str | None:
    """The alert a call status callback is for (its signed URL's query), or None for any other call."""
    found = ALERT_QUERY.match(raw_query or "")
    return found.group(1) if found else None


def answered_by(value: str) -> str | None:
    """`human` or `machine` (a voicemail or a fax took the message) from Twilio's AnsweredBy; None unknown."""
    value = value.strip().lower()
    if value == "human":
        return "human"
    if value.startswith("machine") or value == "fax":
        return "machine"
    return None


class CallOutcomeStore(Protocol):
    def sid_alert(self, sid: str) -> dict[str, Any] | None: ...

    def advance(
        self,
        alert_id: str,
        address: str,
        *,
        status: str,
        rank: int,
        bucket: str,
        reason: str | None,
        answered_by: str | None = None,
    ) -> bool: ...


def apply_call_outcome(store: CallOutcomeStore, alert_id: str, params: dict[str, str]) -> str:
    """What the callback did: `delivered`, `failed`, `repeated` (already counted, or stale), `ignored` (not a
    final status, or a call that is not this alert's voice call)."""
    call_sid = params.get("CallSid", "")
    outcome = CALL_OUTCOMES.get(params.get("CallStatus", "").strip().lower())
    sent = store.sid_alert(call_sid)
    if outcome is None or sent is None or sent.get("alert_id") != alert_id or sent.get("channel") != "voice":
        result = "ignored"
        if outcome is not None and sent is None:
            # The sender records the call right after Twilio takes it; an outcome before that is not counted.
            logger.warning("Alert call outcome for an unrecorded call", extra={"alert_id": alert_id})
    else:
        status, reason = outcome
        rank = rank_of(status)
        assert rank is not None  # noqa: S101 - `delivered` and `failed` are ranked statuses
        who = answered_by(params.get("AnsweredBy", "")) if status == "delivered" else None
        moved = store.advance(
            alert_id,
            delivery_key(str(sent["address"]), "voice"),
            status=status,
            rank=rank,
            bucket=bucket_of(status),
            reason=reason,
            answered_by=who,
        )
        result = status if moved else "repeated"
    logger.info(
        "Alert call outcome",
        extra={
            "alert_id": alert_id,
            "call_sid": call_sid,
            "call_status": params.get("CallStatus"),
            "result": result,
        },
    )
    return result
