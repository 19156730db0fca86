"""Alerts through the real twilio SDK: the outbound sender's gateway, plus a look at what Twilio already has
(to settle a claim whose worker died between Twilio's answer and the table write)."""

from __future__ import annotations

from datetime import datetime

import requests
from switchboard.twilio_sms import SentSms, TransientSendFailure, TwilioSmsGateway
from twilio.base.exceptions import TwilioException

# Twilio lists newest first: an alert's text is among the last few messages to a resident.
RECENT_MESSAGES = 20


class TwilioAlertSms(TwilioSmsGateway):
    def find_sent(self, *, to: str, body: str, since: datetime) -> SentSms | None:
        try:
            messages = self._client().messages.list(to=to, limit=RECENT_MESSAGES)
        except (requests.RequestException, TwilioException) as error:
            raise TransientSendFailure(f"Twilio lookup failed: {type(error).__name__}") from None
        for message in messages:
            created = message.date_created
            if message.body == body and (created is None or created >= since.replace(microsecond=0)):
                return SentSms(sid=str(message.sid), status=str(message.status or "queued"))
        return None
