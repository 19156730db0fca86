"""Voice alerts through the real twilio SDK (`calls.create`, issue 22): the TwiML inline
(alerts.logic.alert_messages), answering-machine aware (`machine_detection=DetectMessageEnd`: Twilio waits
for the greeting to end, so a voicemail gets the whole message), the repeat key posted to the signed
alert-call route, and the call's outcome reported to the call status route with `?alert={alert_id}`
(alerts.logic.call_outcomes: answered -> delivered, busy/no-answer/failed/canceled -> failed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

import requests
from switchboard.twilio_sms import SentSms, TransientSendFailure, classified_twilio_errors
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from alerts.logic.alert_messages import ALERT_CALL_PATH, alert_call_twiml
from alerts.logic.call_outcomes import status_callback_query
from alerts.logic.delivery import AlertMessage

MACHINE_DETECTION = "DetectMessageEnd"
RECENT_CALLS = 20


def repeat_url(public_api_url: str, alert_id: str, language: str) -> str:
    return public_api_url + ALERT_CALL_PATH.format(alert_id=alert_id) + "?lang=" + quote(language)


class TwilioAlertCalls:
    def __init__(
        self,
        client: Callable[[], Client],
        *,
        from_number: str,
        public_api_url: str,
        agency: Callable[[], str],
        status_callback_url: str,
    ) -> None:
        self._client = client
        self._from = from_number
        self._public_api_url = public_api_url
        self._status_callback_url = status_callback_url
        self._agency = agency

    def send(self, message: AlertMessage) -> SentSms:
        twiml = alert_call_twiml(
            body=message.body,
            language=message.language,
            agency=self._agency(),
            repeat_url=repeat_url(self._public_api_url, message.alert.alert_id, message.language),
        )
        with classified_twilio_errors():
            call = self._client().calls.create(
                to=message.to,
                from_=self._from,
                twiml=twiml,
                machine_detection=MACHINE_DETECTION,
                # Only the final event: it carries completed/busy/no-answer/failed/canceled and AnsweredBy.
                status_callback=self._status_callback_url
                + "?"
                + status_callback_query(message.alert.alert_id),
                status_callback_method="POST",
                status_callback_event=["completed"],
            )
        return SentSms(sid=str(call.sid), status=str(call.status or "queued"))

    def find_sent(self, message: AlertMessage, since: datetime) -> SentSms | None:
        """A call to this number placed since the claim (an alert call is the only one the sender places)."""
        try:
            calls = self._client().calls.list(to=message.to, limit=RECENT_CALLS)
        except (requests.RequestException, TwilioException) as error:
            raise TransientSendFailure(f"Twilio lookup failed: {type(error).__name__}") from None
        for call in calls:
            created = call.date_created
            if created is not None and created >= since.replace(microsecond=0):
                return SentSms(sid=str(call.sid), status=str(call.status or "queued"))
        return None
