"""Call progress from Twilio, judged like every Twilio webhook (channels.logic.accept_twilio_post: signature
over the configured URL with its query, our account, a well-formed CallSid) and then written into the thread;
a voice alert's call (`?alert={alert_id}`, issue 22) moves its alert's figures instead
(alerts.logic.call_outcomes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from email.utils import parsedate_to_datetime

from alerts.logic.call_outcomes import CallOutcomeStore, alert_of_query, apply_call_outcome
from calls.logic.click_to_call import CallStore, record_progress
from calls.models.calls import CALL_SID, CallProgress
from switchboard.clock import format_timestamp, utc_now_iso
from switchboard.twilio_credentials import TwilioCredentials

from channels.logic.accept_twilio_post import accept_twilio_post
from channels.models.webhooks import OK_EMPTY, QueuedTwilioEvent, TwilioPost, WebhookReply, WebhookSpec

CALL_STATUS_PATH = "/twilio/calls/status"
CALL_STATUS = WebhookSpec(
    route_path=CALL_STATUS_PATH,
    kind="twilio.call_status",
    required_fields=("CallSid", "CallStatus", "AccountSid"),
    success=OK_EMPTY,
    fifo=False,
    sid_field="CallSid",
)


def progress_from(params: dict[str, str]) -> CallProgress | None:
    parent = params.get("ParentCallSid") or None
    if not CALL_SID.match(params["CallSid"]) or (parent and not CALL_SID.match(parent)):
        return None
    duration = params.get("CallDuration") or params.get("DialCallDuration") or ""
    return CallProgress(
        call_sid=params["CallSid"],
        parent_call_sid=parent,
        status=params["CallStatus"],
        duration_seconds=int(duration) if duration.isdigit() else None,
    )


def reported_at(params: dict[str, str], fallback: str) -> str:
    """Twilio's own `Timestamp` (RFC 2822) orders the thread's events when callbacks come out of order."""
    try:
        moment = parsedate_to_datetime(params.get("Timestamp", ""))
    except (TypeError, ValueError):
        return fallback
    return format_timestamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


class ThreadProgressRecorder:
    """The 'publisher' of accepted call callbacks: records them in the thread instead of queueing them."""

    def __init__(self, store: CallStore) -> None:
        self._store = store

    def publish(self, event: QueuedTwilioEvent) -> None:
        progress = progress_from(event.params)
        if progress is not None:
            record_progress(self._store, progress, reported_at(event.params, event.received_at))


class AlertOutcomeRecorder:
    """The 'publisher' of a voice alert's accepted callbacks: the call's outcome moves the alert's figures."""

    def __init__(self, alerts: CallOutcomeStore, alert_id: str) -> None:
        self._alerts = alerts
        self._alert_id = alert_id

    def publish(self, event: QueuedTwilioEvent) -> None:
        apply_call_outcome(self._alerts, self._alert_id, event.params)


def accept_call_status(
    post: TwilioPost,
    *,
    credentials: Callable[[], TwilioCredentials],
    public_api_url: str,
    store: CallStore,
    alerts: CallOutcomeStore,
    now: Callable[[], str] = utc_now_iso,
) -> WebhookReply:
    alert_id = alert_of_query(post.raw_query_string)
    publisher = AlertOutcomeRecorder(alerts, alert_id) if alert_id else ThreadProgressRecorder(store)
    return accept_twilio_post(
        post,
        CALL_STATUS,
        credentials=credentials,
        public_api_url=public_api_url,
        publisher=publisher,
        received_at=now(),
    )
