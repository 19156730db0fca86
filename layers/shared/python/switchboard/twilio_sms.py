"""Sends one message through the real twilio SDK and sorts its failures into final and transient."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.rest import Client


@dataclass(frozen=True)
class Sender:
    """Exactly one of the two is set: Twilio takes either a From address or a Messaging Service."""

    from_address: str | None = None
    messaging_service_sid: str | None = None


@dataclass(frozen=True)
class SentSms:
    sid: str
    status: str


class RecipientRejected(Exception):
    """Twilio refused this message for good (4xx, e.g. 21610 opted out): record it, never retry."""

    def __init__(self, code: str, http_status: int) -> None:
        super().__init__(f"Twilio rejected the message: HTTP {http_status}, code {code}")
        self.code = code
        self.http_status = http_status


class TransientSendFailure(Exception):
    """Worth trying again later (429, 5xx, network): raised so SQS redelivers the job. `http_status` is
    Twilio's answer (None: no answer), so a caller can tell a 429 (nothing created) from a 5xx (perhaps)."""

    def __init__(self, message: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


# 401/403 are retried too: they mean our credentials (e.g. a token rotated since the secret was cached),
# not this message, are wrong — failing the message for good would lose it.
_RETRIED_CLIENT_ERRORS = {401, 403, 408, 409, 429}


class TwilioSmsGateway:
    def __init__(self, client: Callable[[], Client], status_callback_url: str) -> None:
        self._client = client
        self._status_callback_url = status_callback_url

    def send(self, *, to: str, sender: Sender, body: str, media_url: str | None = None) -> SentSms:
        request: dict[str, Any] = {"to": to, "body": body, "status_callback": self._status_callback_url}
        if media_url:
            request["media_url"] = [media_url]
        if sender.messaging_service_sid:
            request["messaging_service_sid"] = sender.messaging_service_sid
        else:
            request["from_"] = sender.from_address
        with classified_twilio_errors():
            message = self._client().messages.create(**request)
        return SentSms(sid=str(message.sid), status=str(message.status or "queued"))


@contextmanager
def classified_twilio_errors() -> Iterator[None]:
    """A Twilio create call's failure as this module's two kinds: for this recipient (RecipientRejected, never
    retried) or for now (TransientSendFailure: 429, 5xx, our credentials, the network)."""
    try:
        yield
    except (TwilioRestException, TwilioServiceException) as error:
        # `from None` and no error text: Twilio's messages quote phone numbers.
        status = int(error.status or 0)
        code = str(error.code or status)
        if status >= 500 or status in _RETRIED_CLIENT_ERRORS or status < 400:
            raise TransientSendFailure(
                f"Twilio answered HTTP {status}, code {code}", http_status=status
            ) from None
        raise RecipientRejected(code=code, http_status=status) from None
    except (requests.RequestException, TwilioException) as error:
        raise TransientSendFailure(f"Twilio unreachable: {type(error).__name__}") from None
