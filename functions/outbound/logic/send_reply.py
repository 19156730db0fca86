"""Send one agent reply through Twilio, at most once per message as far as this side can tell.

SQS delivers at least once: a reply that already has a Twilio SID is skipped. A job can also come a second
time while its first delivery is still talking to Twilio (the visibility timeout ran out: a slow Twilio call,
a busy machine); so before calling Twilio a delivery claims the reply (a conditional write keyed by the
reply's id, the idempotency key, with a lease as long as the sender may run). Another delivery that finds
a live claim raises SendInProgress: SQS brings the job back later, when the SID is there (ALREADY_SENT) or
the lease of a crashed sender has run out. A crash between Twilio's answer and the SID's write can still
repeat one SMS (docs/architecture.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from switchboard.clock import format_timestamp, utc_now_iso
from switchboard.observability import logger, metrics
from switchboard.phone import Channel, address_on_channel
from switchboard.statuses import FAILURE_STATUSES
from switchboard.twilio_sms import RecipientRejected, Sender, SentSms, TransientSendFailure

from outbound.models.replies import PendingReply, ReplyJob


class ReplyStore(Protocol):
    def load_reply(self, thread_id: str, message_sk: str) -> PendingReply | None: ...

    def record_sent(self, reply: PendingReply, sid: str, status: str) -> bool: ...

    def record_rejected(self, reply: PendingReply, error_code: str) -> bool: ...

    def record_in_widget(self, reply: PendingReply) -> bool: ...

    def claim_send(self, reply: PendingReply, token: str, at: str, stale_before: str) -> bool: ...

    def release_send(self, reply: PendingReply, token: str) -> None: ...


class SmsGateway(Protocol):
    def send(self, *, to: str, sender: Sender, body: str) -> SentSms: ...


class ConsentCheck(Protocol):
    def may_send(self, address: str, topic: str | None) -> bool: ...

    def record_carrier_opt_out(self, address: str, channel: Channel, at: str, source_id: str) -> None: ...


# How long a delivery's claim on a reply holds: the sender's Lambda timeout (infra/lambdas.py), past which
# the delivery that claimed it cannot still be running.
SEND_LEASE = timedelta(seconds=30)


class SendInProgress(Exception):
    """Another delivery of this job holds the reply's claim and may be sending it now: SQS retries the job."""


# Twilio: "Attempt to send to unsubscribed recipient".
TWILIO_OPTED_OUT = "21610"
# error_code of a message the sender refused because the resident opted out.
REFUSED_OPTED_OUT = "opted_out"


class SendOutcome(StrEnum):
    SENT = "sent"
    REJECTED = "rejected"
    REFUSED_OPTED_OUT = "refused_opted_out"
    ALREADY_SENT = "already_sent"
    ALREADY_FAILED = "already_failed"
    MISSING = "missing"
    IN_WIDGET = "in_widget"


def choose_sender(reply: PendingReply, from_number: str, messaging_service_sid: str | None) -> Sender:
    """Reply from the address the resident wrote to; else the Messaging Service; else the agency number."""
    if reply.agency_address:
        return Sender(from_address=reply.agency_address)
    if messaging_service_sid:
        return Sender(messaging_service_sid=messaging_service_sid)
    return Sender(from_address=address_on_channel(from_number, reply.channel))


def send_reply(
    job: ReplyJob,
    *,
    store: ReplyStore,
    gateway: SmsGateway,
    consent: ConsentCheck,
    from_number: str,
    messaging_service_sid: str | None,
    now: Callable[[], str] = utc_now_iso,
) -> SendOutcome:
    """TransientSendFailure propagates: SQS redelivers the job, and after five tries it rests in the DLQ."""
    log_keys = {"thread_id": job.thread_id, "message_id": job.message_id}
    reply = store.load_reply(job.thread_id, job.message_sk)
    if reply is None:
        logger.warning("Reply not found; nothing to send", extra=log_keys)
        return SendOutcome.MISSING
    if reply.twilio_sid:
        logger.info("Reply already sent", extra={**log_keys, "message_sid": reply.twilio_sid})
        return SendOutcome.ALREADY_SENT
    if reply.status in FAILURE_STATUSES:
        return SendOutcome.ALREADY_FAILED

    if reply.channel == "webchat":
        if not reply.text_to:
            # The widget polls the thread: storing the reply was the delivery. Twilio is never called.
            store.record_in_widget(reply)
            logger.info("Reply delivered to the web chat", extra=log_keys)
            metrics.add_metric(name="ReplyInWebChat", unit=MetricUnit.Count, value=1)
            return SendOutcome.IN_WIDGET
        # "Continue by text": the same reply also goes by SMS, from the agency's default sender.
        reply = replace(reply, to=reply.text_to, channel="sms", agency_address=None)

    # Checked now, not when the job was queued: an opt-out recorded before this read always wins. Only a
    # keyword's own answer (the STOP confirmation) may reach a resident opted out of everything; a staff reply
    # (conversational, no topic) may not, and an alert or reminder not on a topic they stopped either.
    if job.category != "transactional" and not consent.may_send(reply.to, job.topic):
        store.record_rejected(reply, REFUSED_OPTED_OUT)
        logger.info("Send refused: the resident opted out", extra={**log_keys, "topic": job.topic})
        metrics.add_metric(name="SendRefusedOptedOut", unit=MetricUnit.Count, value=1)
        return SendOutcome.REFUSED_OPTED_OUT

    sender = choose_sender(reply, from_number, messaging_service_sid)
    at = now()
    token = uuid.uuid4().hex
    stale_before = format_timestamp(datetime.fromisoformat(at.replace("Z", "+00:00")) - SEND_LEASE)
    if not store.claim_send(reply, token, at, stale_before):
        logger.info("Reply is being sent by another delivery", extra=log_keys)
        metrics.add_metric(name="ReplySendInProgress", unit=MetricUnit.Count, value=1)
        raise SendInProgress(job.message_id)
    try:
        sent = gateway.send(to=reply.to, sender=sender, body=reply.body)
    except TransientSendFailure:
        store.release_send(reply, token)  # the retry may send at once
        raise
    except RecipientRejected as rejection:
        if rejection.code == TWILIO_OPTED_OUT:
            # Recorded before the message is marked failed: if this raises, SQS retries the whole job.
            consent.record_carrier_opt_out(reply.to, reply.channel, now(), reply.message_id)
        store.record_rejected(reply, rejection.code)
        logger.warning(
            "Twilio rejected the reply",
            extra={**log_keys, "error_code": rejection.code, "http_status": rejection.http_status},
        )
        metrics.add_metric(name="ReplyRejected", unit=MetricUnit.Count, value=1)
        return SendOutcome.REJECTED

    if not store.record_sent(reply, sent.sid, sent.status):
        logger.warning("Reply SID was already recorded", extra={**log_keys, "message_sid": sent.sid})
    logger.info("Reply sent", extra={**log_keys, "message_sid": sent.sid, "status": sent.status})
    metrics.add_metric(name="ReplySent", unit=MetricUnit.Count, value=1)
    return SendOutcome.SENT
