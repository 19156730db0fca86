"""POST /twilio/messages: Twilio's inbound message webhook (SMS, MMS, WhatsApp)."""

from __future__ import annotations

from switchboard.webhook_settings import InboundWebhookSettings

from channels.handlers.twilio_post import twilio_post_handler
from channels.logic.accept_twilio_post import INBOUND_MESSAGE

settings = InboundWebhookSettings.from_environ()

handler = twilio_post_handler(
    INBOUND_MESSAGE,
    secret_arn=settings.twilio_secret_arn,
    public_api_url=settings.public_api_url,
    queue_url=settings.inbound_queue_url,
    media_bucket=settings.media_bucket,
)
