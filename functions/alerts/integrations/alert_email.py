"""Email alerts through Amazon SES (sesv2 SendEmail with a raw MIME message, issue 22): from the verified
sender identity, in the configuration set whose events (bounces, complaints) reach EmailFeedbackFn, with a
one-click unsubscribe link whose token names the resident (a keyed digest, stored once: UNSUB#{token})."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

import requests
from botocore.exceptions import BotoCoreError, ClientError
from switchboard.dynamodb import error_code
from switchboard.log_hash import keyed_digest
from switchboard.twilio_sms import RecipientRejected, SentSms, TransientSendFailure

from alerts.logic.alert_messages import alert_email
from alerts.logic.delivery import AlertMessage

UNSUBSCRIBE_PATH = "/u/{token}"
# SES answers these for this recipient or message: counted as failed with the code, never retried.
_REJECTED = {"MessageRejected", "MailFromDomainNotVerifiedException", "BadRequestException"}
IMAGE_MAX_BYTES = 2_000_000


class UnsubscribeTokens(Protocol):
    def put_unsubscribe_token(self, token: str, address: str) -> None: ...


def unsubscribe_token(address: str) -> str:
    """The same for a resident every time, unguessable without the deployment's key, and naming nobody."""
    return keyed_digest("unsubscribe\n" + address, 32)


def unsubscribe_url(public_api_url: str, address: str) -> str:
    return public_api_url + UNSUBSCRIBE_PATH.format(token=unsubscribe_token(address))


@lru_cache(maxsize=8)
def fetch_image(url: str) -> tuple[bytes, str] | None:
    """An alert's picture for the emails' inline part, fetched once per container; None when it cannot be
    (the email goes without it rather than not at all)."""
    try:
        response = requests.get(url, timeout=5, stream=True)
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        data = response.raw.read(IMAGE_MAX_BYTES + 1, decode_content=True)
    except requests.RequestException:
        return None
    if response.status_code != 200 or not content_type.startswith("image/") or len(data) > IMAGE_MAX_BYTES:
        return None
    return bytes(data), content_type


class SesAlertEmail:
    def __init__(
        self,
        ses: Any,
        *,
        sender: str,
        configuration_set: str,
        public_api_url: str,
        agency: Callable[[], str],
        tokens: UnsubscribeTokens,
        images: Callable[[str], tuple[bytes, str] | None] = fetch_image,
    ) -> None:
        self._ses = ses
        self._sender = sender
        self._configuration_set = configuration_set
        self._public_api_url = public_api_url
        self._agency = agency
        self._tokens = tokens
        self._images = images

    def send(self, message: AlertMessage) -> SentSms:
        self._tokens.put_unsubscribe_token(unsubscribe_token(message.address), message.address)
        image = self._images(message.alert.image_url) if message.alert.image_url else None
        mime = alert_email(
            body=message.body,
            language=message.language,
            agency=self._agency(),
            sender=self._sender,
            to=message.to,
            unsubscribe_url=unsubscribe_url(self._public_api_url, message.address),
            image=image,
        )
        request: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            "Destination": {"ToAddresses": [message.to]},
            "Content": {"Raw": {"Data": mime.as_bytes()}},
            "EmailTags": [{"Name": "alert_id", "Value": message.alert.alert_id}],
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            response = self._ses.send_email(**request)
        except ClientError as error:
            code = error_code(error)
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
            if code in _REJECTED:
                raise RecipientRejected(code=f"ses:{code}", http_status=status or 400) from None
            # Throttling, limits, SES's own failures: try again later (429 backs off in place).
            retry_status = (
                429
                if code in ("TooManyRequestsException", "Throttling", "LimitExceededException")
                else status
            )
            raise TransientSendFailure(f"SES answered {code}", http_status=retry_status or 500) from None
        except BotoCoreError as error:
            raise TransientSendFailure(f"SES unreachable: {type(error).__name__}") from None
        return SentSms(sid=str(response["MessageId"]), status="sent")

    def find_sent(self, message: AlertMessage, since: datetime) -> SentSms | None:
        """SES keeps no list to look in: a claim whose worker died after SES accepted is sent again (a
        possible second email, never a lost one)."""
        return None
