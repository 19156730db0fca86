"""Judge a Twilio webhook and hand it to a queue: the only work done while Twilio waits."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from switchboard.log_hash import keyed_digest
from switchboard.observability import logger, metrics, redact_address
from switchboard.twilio_credentials import TwilioCredentials
from switchboard.twilio_signature import MalformedBody, is_valid_signature, parse_form_body, signed_url

from channels.models.webhooks import (
    BAD_REQUEST,
    FORBIDDEN,
    OK_EMPTY,
    OK_TWIML,
    QueuedTwilioEvent,
    TwilioPost,
    WebhookReply,
    WebhookSpec,
)

INBOUND_MESSAGE = WebhookSpec(
    route_path="/twilio/messages",
    kind="twilio.inbound",
    required_fields=("MessageSid", "From", "To", "AccountSid"),
    success=OK_TWIML,
    fifo=True,
)
# Status callbacks are only useful with a SID and a status; From/To are not needed to apply them.
STATUS_CALLBACK = WebhookSpec(
    route_path="/twilio/status",
    kind="twilio.status",
    required_fields=("MessageSid", "MessageStatus", "AccountSid"),
    success=OK_EMPTY,
    fifo=False,
)

# SQS deduplication ids allow 128 characters; Twilio SIDs are two letters and 32 hex digits.
_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")


class TwilioEventPublisher(Protocol):
    def publish(self, event: QueuedTwilioEvent) -> None: ...


def resident_group_id(from_address: str) -> str:
    """One FIFO message group per resident: their messages stay in order, others are not held up. Keyed
    (switchboard.log_hash): the group id is visible to whoever reads the queue or its dead letters."""
    return keyed_digest(from_address, 32)


def accept_twilio_post(
    post: TwilioPost,
    spec: WebhookSpec,
    *,
    credentials: Callable[[], TwilioCredentials],
    public_api_url: str,
    publisher: TwilioEventPublisher,
    received_at: str,
) -> WebhookReply:
    """403 unless signed by our account, 400 unless well-formed, else enqueue and acknowledge.

    `credentials` is called only for signed requests, so junk traffic costs no Secrets Manager calls.
    """
    if not post.signature:
        return _reject(FORBIDDEN, "missing signature")
    try:
        form = parse_form_body(post.body, post.is_base64_encoded)
    except MalformedBody:
        return _reject(BAD_REQUEST, "malformed body")

    account = credentials()
    url = signed_url(public_api_url, spec.route_path, post.raw_query_string)
    if not is_valid_signature(account.auth_token, url, form, post.signature):
        return _reject(FORBIDDEN, "bad signature")

    params = form.as_dict()
    missing = [name for name in spec.required_fields if not params.get(name)]
    if missing:
        return _reject(BAD_REQUEST, "missing fields", missing_fields=missing)
    sid = params[spec.sid_field]
    if not _SID.match(sid):
        return _reject(BAD_REQUEST, f"malformed {spec.sid_field}")
    if params["AccountSid"] != account.account_sid:
        # Signed with our token but for another account (e.g. a subaccount's number): not ours to store.
        return _reject(FORBIDDEN, "foreign account", message_sid=sid)

    sender = params.get("From", "")
    publisher.publish(
        QueuedTwilioEvent(
            kind=spec.kind,
            received_at=received_at,
            params=params,
            group_id=resident_group_id(sender) if spec.fifo else None,
            deduplication_id=sid if spec.fifo else None,
        )
    )
    logger.info(
        "Twilio webhook accepted",
        extra={"kind": spec.kind, "message_sid": sid, "from_hash": redact_address(sender)},
    )
    metrics.add_metric(name="TwilioWebhookAccepted", unit=MetricUnit.Count, value=1)
    return spec.success


def _reject(reply: WebhookReply, reason: str, **details: object) -> WebhookReply:
    # Only the reason and safe identifiers: never the form, which holds phone numbers and the message body.
    logger.warning(
        "Twilio webhook rejected", extra={"reason": reason, "status_code": reply.status_code, **details}
    )
    metrics.add_metric(name="TwilioWebhookRejected", unit=MetricUnit.Count, value=1)
    return reply
