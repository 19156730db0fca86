"""Email alerts given up (issue 22): by the one-click unsubscribe link, by a permanent bounce, by a complaint.
Each is a consent ledger entry about the email channel alone (texts and calls the resident chose stay), and a
bounce also moves the email's figure to failed. SES reports through EventBridge (configuration set events)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from inbox.logic.consent_changes import ConsentLedger, record_change
from inbox.models.consent import ALL_TOPICS, ConsentChange
from pydantic import BaseModel, ConfigDict, Field, Json
from switchboard.clock import utc_now_iso
from switchboard.observability import logger, metrics, redact_address
from switchboard.phone import parse_address

from alerts.logic.figures import FigureStore, advance_alert_status
from alerts.models.alerts import delivery_key

EmailStop = Literal["unsubscribe_link", "email_bounce", "email_complaint"]


def stop_email_alerts(
    ledger: ConsentLedger, address: str, *, source: EmailStop, source_id: str, at: str
) -> bool:
    """One ledger entry (once per source id); False when email was not among the resident's channels."""
    if "email" not in ledger.load_state(address).channels:
        return False
    change = ConsentChange(
        address=address,
        channel=parse_address(address).channel,
        topic=ALL_TOPICS,
        action="opt_out",
        at=at,
        source=source,
        source_id=source_id,
        medium="email",
    )
    recorded = record_change(ledger, change)
    logger.info("Email alerts stopped", extra={"to_hash": redact_address(address), "source": source})
    metrics.add_metric(name="EmailAlertsStopped", unit=MetricUnit.Count, value=1)
    return recorded


# --- SES events (EventBridge: source aws.ses, detail-type "Email Bounced" / "Email Complaint Received" /
# "Email Delivered"), queued on EmailFeedbackQueue -------------------------------------------------------


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True, defer_build=True)


class SesMail(_Loose):
    message_id: str = Field(alias="messageId", min_length=1, max_length=200)


class SesBounce(_Loose):
    bounce_type: str = Field(alias="bounceType")


class SesEventDetail(_Loose):
    event_type: str = Field(alias="eventType")
    mail: SesMail
    bounce: SesBounce | None = None


class SesEvent(_Loose):
    source: Literal["aws.ses"]
    detail: SesEventDetail


class SesEventRecord(SqsRecordModel):
    model_config = ConfigDict(hide_input_in_errors=True, defer_build=True)

    body: Json[SesEvent]  # type: ignore[assignment]


class SentEmails(FigureStore, Protocol):
    def sid_alert(self, sid: str) -> dict[str, Any] | None: ...


def apply_ses_event(
    event: SesEvent, *, emails: SentEmails, ledger: ConsentLedger, now: Callable[[], str] = utc_now_iso
) -> str:
    """What the event did: `bounced`, `complained`, `delivered`, `ignored` (a transient bounce, an email
    that is not an alert's). Redelivered events change nothing twice (the ledger entry is keyed by the
    message id, the figure only moves forward)."""
    detail = event.detail
    sent = emails.sid_alert(detail.mail.message_id)
    if sent is None or sent.get("channel") != "email":
        return "ignored"
    alert_id, address = str(sent["alert_id"]), str(sent["address"])
    key = delivery_key(address, "email")
    outcome = "ignored"
    if detail.event_type == "Bounce" and detail.bounce and detail.bounce.bounce_type == "Permanent":
        # The ledger first: if the figure write fails, the redelivered event records nothing twice.
        stop_email_alerts(ledger, address, source="email_bounce", source_id=detail.mail.message_id, at=now())
        advance_alert_status(emails, alert_id, key, "failed", "email_bounce")
        outcome = "bounced"
    elif detail.event_type == "Complaint":
        stop_email_alerts(
            ledger, address, source="email_complaint", source_id=detail.mail.message_id, at=now()
        )
        outcome = "complained"
    elif detail.event_type == "Delivery":
        advance_alert_status(emails, alert_id, key, "delivered", None)
        outcome = "delivered"
    logger.info("SES event", extra={"alert_id": alert_id, "event": detail.event_type, "outcome": outcome})
    return outcome
