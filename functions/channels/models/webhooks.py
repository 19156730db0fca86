"""Shapes of a Twilio webhook request and our answer.

Plain dataclasses, not pydantic: this is the webhook's cold-start path, and Twilio waits on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from switchboard.twilio_signature import SIGNATURE_HEADER

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


@dataclass(frozen=True)
class TwilioPost:
    """The parts of an HTTP API (payload 2.0) event that a Twilio webhook is judged on."""

    body: str | None
    is_base64_encoded: bool
    signature: str | None
    raw_query_string: str = ""

    @classmethod
    def from_http_api_event(cls, event: Mapping[str, Any]) -> TwilioPost:
        headers = event.get("headers") or {}
        # API Gateway lower-cases header names; other callers (the local adapter, tests) may not.
        signature = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER), None)
        return cls(
            body=event.get("body"),
            is_base64_encoded=bool(event.get("isBase64Encoded")),
            signature=signature,
            raw_query_string=event.get("rawQueryString") or "",
        )


@dataclass(frozen=True)
class WebhookReply:
    status_code: int
    body: str = ""
    content_type: str = "text/plain"

    def to_http_api_response(self) -> dict[str, Any]:
        return {
            "statusCode": self.status_code,
            "headers": {"Content-Type": self.content_type},
            "body": self.body,
            "isBase64Encoded": False,
        }


OK_TWIML = WebhookReply(200, EMPTY_TWIML, "text/xml")
OK_EMPTY = WebhookReply(200)
BAD_REQUEST = WebhookReply(400, "Bad Request")
PAYLOAD_TOO_LARGE = WebhookReply(413, "Payload Too Large")
FORBIDDEN = WebhookReply(403, "Forbidden")


@dataclass(frozen=True)
class WebhookSpec:
    """What differs between the two Twilio webhooks."""

    route_path: str
    kind: str
    required_fields: tuple[str, ...]
    success: WebhookReply
    # FIFO queues get a message group per resident and Twilio's SID as the deduplication id.
    fifo: bool
    sid_field: str = "MessageSid"  # voice callbacks carry CallSid instead


@dataclass(frozen=True)
class QueuedTwilioEvent:
    """The queue message: `{"kind", "received_at", "params"}` (docs/architecture.md)."""

    kind: str
    received_at: str
    params: dict[str, str]
    group_id: str | None = None
    deduplication_id: str | None = None
    # Set when fields too long for the queue message and the table were kept whole in the media bucket:
    # `{"key": object key, "fields": {name: full length in characters}}` (params hold their first characters).
    oversize: dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        body = {"kind": self.kind, "received_at": self.received_at, "params": self.params}
        if self.oversize:
            body["oversize"] = self.oversize
        return body
