"""POST /twilio/status: Twilio's message status callback, queued for the status consumer."""

from __future__ import annotations

from switchboard.webhook_settings import StatusWebhookSettings

from channels.handlers.twilio_post import twilio_post_handler
from channels.logic.accept_twilio_post import STATUS_CALLBACK

settings = StatusWebhookSettings.from_environ()

handler = twilio_post_handler(
    STATUS_CALLBACK,
    secret_arn=settings.twilio_secret_arn,
    public_api_url=settings.public_api_url,
    queue_url=settings.status_queue_url,
    media_bucket=settings.media_bucket,
)
