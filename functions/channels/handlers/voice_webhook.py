"""POST /twilio/voice: the agency number's voice webhook (the IVR). Twilio waits on it for every turn of a
call, so the IVR and its clients are built on the first signed call, not at import."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.logging import correlation_paths
from switchboard.observability import logger, metrics
from switchboard.settings import VoiceWebhookSettings, load_settings
from switchboard.twilio_credentials import load_twilio_credentials

from channels.logic.voice_webhook import VOICE_PATH, VoiceAnswerer, answer_call
from channels.models.webhooks import TwilioPost

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings(VoiceWebhookSettings)


@cache
def ivr() -> VoiceAnswerer:
    from app.voice_wiring import build_ivr

    return build_ivr(boto3.resource("dynamodb").Table(settings.table_name), boto3.client("sqs"), settings)


@logger.inject_lambda_context(log_event=False, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return answer_call(
        TwilioPost.from_http_api_event(event),
        credentials=lambda: load_twilio_credentials(settings.twilio_secret_arn),
        public_api_url=settings.public_api_url,
        ivr=ivr,
    ).to_http_api_response()


__all__ = ["VOICE_PATH", "handler"]
