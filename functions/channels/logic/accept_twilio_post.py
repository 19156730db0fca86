"""Judge a Twilio webhook and hand it to a queue: the only work done while Twilio waits."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from switchboard.body_caps import body_bytes
from switchboard.log_hash import keyed_digest
from switchboard.observability import logger, metrics, redact_address
from switchboard.twilio_credentials import TwilioCredentials
from switchboard.twilio_signature import MalformedBody, is_valid_signature, parse_form_body, signed_url

from channels.models.webhooks import (
    BAD_REQUEST,
    FORBIDDEN,
    OK_EMPTY,
    OK_TWIML,
    PAYLOAD_TOO_LARGE,
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

# Size caps (docs/architecture.md, "Size caps"). Twilio's own posts are a few KB: a Body of at most 1,600
# characters (SMS) or 4,096 (WhatsApp), ten media URLs, a few dozen short fields. The post cap is far above
# that yet under what SQS takes in one message (1 MiB) and what Lambda takes as an event once API Gateway has
# base64-encoded the form (6 MB): a bigger post is refused with 413 before anything is read or queued.
MAX_TWILIO_POST_BYTES = 1024 * 1024
# A field longer than a WhatsApp text is kept whole in the media bucket; the queue message (and the table's
# 400 KB item) get its first INLINE_FIELD_CHARS characters. Signed by our account, so Twilio sent it: keep it.
INLINE_FIELD_CHARS = 4096
# What the params of one queue message may weigh once long fields are cut (SQS takes 1 MiB, bills per 64 KB).
QUEUED_PARAMS_BUDGET = 192 * 1024
OVERSIZE_PREFIX = "oversize/"


class TwilioEventPublisher(Protocol):
    def publish(self, event: QueuedTwilioEvent) -> None: ...


class OversizeStore(Protocol):
    def put(self, key: str, content: bytes) -> None:
        """Store `content` at `key` (the same key again overwrites: redeliveries are harmless)."""


def oversize_key(kind: str, sid: str) -> str:
    """Where an oversize post's whole form is kept: one key per (webhook, SID)."""
    return f"{OVERSIZE_PREFIX}{kind}/{sid}.json"


def set_long_fields_aside(
    kind: str, sid: str, params: dict[str, str], store: OversizeStore, *, keep: tuple[str, ...] = ()
) -> tuple[dict[str, str], dict[str, object] | None]:
    """Params with every field over INLINE_FIELD_CHARS cut to its start, and the reference to the whole form
    (kept in `store`), or the params unchanged and None when every field is short."""
    aside = {name: len(value) for name, value in params.items() if len(value) > INLINE_FIELD_CHARS}
    trimmed = {name: value[:INLINE_FIELD_CHARS] for name, value in params.items()}
    # Many fields just under the cut (or characters JSON writes as six bytes) could still overfill a queue
    # message: the biggest then go aside too, empty inline, until the rest fits. `keep` fields always stay.
    sizes = {name: _json_size(name, value) for name, value in trimmed.items()}
    total = sum(sizes.values())
    for name in sorted(sizes, key=lambda n: sizes[n], reverse=True):
        if total <= QUEUED_PARAMS_BUDGET:
            break
        if name not in keep:
            total -= sizes[name] - _json_size(name, "")
            aside[name], trimmed[name] = len(params[name]), ""
    if not aside:
        return params, None
    key = oversize_key(kind, sid)
    store.put(key, json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return trimmed, {"key": key, "fields": aside}


def _json_size(name: str, value: str) -> int:
    return len(json.dumps({name: value}, ensure_ascii=False).encode("utf-8"))


def resident_group_id(from_address: str) -> str:
    """One FIFO message group per resident: their messages stay in order, others are not held up. Keyed
    (switchboard.log_hash): the group id is visible to whoever reads the queue or its dead letters."""
    return keyed_digest(from_address, 32)


def verified_params(
    post: TwilioPost,
    spec: WebhookSpec,
    *,
    credentials: Callable[[], TwilioCredentials],
    public_api_url: str,
) -> dict[str, str] | WebhookReply:
    """The form of a post Twilio signed for our account, or the refusal to answer: 413 over the size cap,
    403 unless signed by our account, 400 unless well-formed. Every Twilio webhook is judged here.

    `credentials` is called only for signed requests, so junk traffic costs no Secrets Manager calls.
    """
    size = body_bytes(post.body, post.is_base64_encoded)
    if size > MAX_TWILIO_POST_BYTES:
        return _reject(PAYLOAD_TOO_LARGE, "body too large", body_bytes=size)
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
    return params


def accept_twilio_post(
    post: TwilioPost,
    spec: WebhookSpec,
    *,
    credentials: Callable[[], TwilioCredentials],
    public_api_url: str,
    publisher: TwilioEventPublisher,
    received_at: str,
    oversize: OversizeStore | None = None,
) -> WebhookReply:
    """Judge the post (`verified_params`), then enqueue and acknowledge. With `oversize`, fields too long for
    a queue message are kept there whole."""
    params_or_refusal = verified_params(post, spec, credentials=credentials, public_api_url=public_api_url)
    if isinstance(params_or_refusal, WebhookReply):
        return params_or_refusal
    params = params_or_refusal
    sid = params[spec.sid_field]

    sender = params.get("From", "")
    aside = None
    if oversize is not None:
        params, aside = set_long_fields_aside(spec.kind, sid, params, oversize, keep=spec.required_fields)
    publisher.publish(
        QueuedTwilioEvent(
            kind=spec.kind,
            received_at=received_at,
            params=params,
            group_id=resident_group_id(sender) if spec.fifo else None,
            deduplication_id=sid if spec.fifo else None,
            oversize=aside,
        )
    )
    logger.info(
        "Twilio webhook accepted",
        extra={
            "kind": spec.kind,
            "message_sid": sid,
            "from_hash": redact_address(sender),
            # Field names and lengths only: the fields themselves may be a resident's words.
            **({"long_fields": aside["fields"]} if aside else {}),
        },
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
