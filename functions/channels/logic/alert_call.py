"""POST /twilio/alert-calls/{alert_id}?lang=xx (issue 22): a resident pressed a key during a voice alert, and
Twilio asks what to play next: the same alert again, in the same language. Judged like every Twilio webhook
(the signature over the configured URL with its query, our account) before anything is read."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from alerts.logic.alert_messages import ALERT_CALL_PATH, alert_call_twiml
from alerts.models.alerts import Alert
from switchboard.observability import logger
from switchboard.twilio_credentials import TwilioCredentials
from switchboard.twilio_signature import MalformedBody, is_valid_signature, parse_form_body, signed_url

from channels.models.webhooks import BAD_REQUEST, FORBIDDEN, TwilioPost, WebhookReply

_ALERT_ID = re.compile(r"^al[0-9a-f]{16}$")
_LANGUAGE = re.compile(r"^lang=([a-z]{2})$")
HANG_UP = WebhookReply(
    200, '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>', "text/xml"
)


class AlertTexts(Protocol):
    def get_alert(self, alert_id: str, *, consistent: bool = False) -> Alert | None: ...


def answer_alert_call(
    post: TwilioPost,
    alert_id: str,
    *,
    credentials: Callable[[], TwilioCredentials],
    public_api_url: str,
    alerts: AlertTexts,
    agency: Callable[[], str],
) -> WebhookReply:
    try:
        form = parse_form_body(post.body, post.is_base64_encoded)
    except MalformedBody:
        return BAD_REQUEST
    if not _ALERT_ID.match(alert_id):
        return BAD_REQUEST
    route = ALERT_CALL_PATH.format(alert_id=alert_id)
    creds = credentials()
    url = signed_url(public_api_url, route, post.raw_query_string)
    if not is_valid_signature(creds.auth_token, url, form, post.signature):
        logger.warning("Alert call webhook refused: bad signature")
        return FORBIDDEN
    if form.first("AccountSid") != creds.account_sid:
        return FORBIDDEN
    asked = _LANGUAGE.match(post.raw_query_string)
    alert = alerts.get_alert(alert_id)
    if alert is None or alert.status == "cancelled":
        return HANG_UP
    language, body = alert.text_for(asked.group(1) if asked else None)
    logger.info("Alert call repeated", extra={"alert_id": alert_id, "language": language})
    twiml = alert_call_twiml(body=body, language=language, agency=agency(), repeat_url=url, repeated=True)
    return WebhookReply(200, twiml, "text/xml")
