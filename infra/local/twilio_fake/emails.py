"""The emails the local stack sent through SES (moto): what the resident simulator shows beside the texts
(issue 22). moto runs in this process (ThreadedMotoServer), so its SES backend is read directly: every raw
message SendEmail accepted, parsed into what a mail client would show."""

from __future__ import annotations

from email import message_from_string, policy
from email.utils import getaddresses
from typing import Any


def sent_emails(account_id: str, region: str, to: str | None = None) -> list[dict[str, Any]]:
    """Newest last: {message_id, from, to, subject, text, list_unsubscribe, images}; only those to `to`."""
    from moto.ses.models import ses_backends  # the stack's moto, loaded once the stack runs

    backend = ses_backends[account_id][region]
    found: list[dict[str, Any]] = []
    for sent in list(backend.sent_messages):
        raw = getattr(sent, "raw_data", None)
        if raw is None:
            continue
        message = message_from_string(raw, policy=policy.default)
        recipients = [address.lower() for _, address in getaddresses([str(message.get("To", ""))])]
        if to and to.lower() not in recipients:
            continue
        text = message.get_body(("plain",))  # type: ignore[attr-defined]
        found.append(
            {
                "message_id": sent.id,
                "from": str(message.get("From", "")),
                "to": recipients,
                "subject": str(message.get("Subject", "")),
                "text": text.get_content() if text is not None else "",
                "list_unsubscribe": str(message.get("List-Unsubscribe", "")),
                "list_unsubscribe_post": str(message.get("List-Unsubscribe-Post", "")),
                "images": sum(1 for part in message.walk() if part.get_content_maintype() == "image"),
            }
        )
    return found
