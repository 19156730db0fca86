"""POST /twilio/calls/status: Twilio's call progress (both legs of a click-to-call; a voice alert's outcome
with `?alert=`), signed like every Twilio webhook, written into the thread as it arrives (two small writes;
Twilio does not wait on a voice status callback the way it waits on a message webhook)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from alerts.dal.alerts_table import AlertsTable
from aws_lambda_powertools.logging import correlation_paths
from calls.dal.call_table import CallTable
from switchboard.observability import logger, metrics
from switchboard.settings import CallStatusWebhookSettings, load_settings
from switchboard.twilio_credentials import load_twilio_credentials

from channels.logic.call_status import CALL_STATUS_PATH, accept_call_status
from channels.models.webhooks import TwilioPost

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings(CallStatusWebhookSettings)


@cache
def store() -> CallTable:
    return CallTable(boto3.resource("dynamodb").Table(settings.table_name))


@cache
def alerts() -> AlertsTable:
    return AlertsTable(boto3.resource("dynamodb").Table(settings.table_name))


@logger.inject_lambda_context(log_event=False, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return accept_call_status(
        TwilioPost.from_http_api_event(event),
        credentials=lambda: load_twilio_credentials(settings.twilio_secret_arn),
        public_api_url=settings.public_api_url,
        store=store(),
        alerts=alerts(),
    ).to_http_api_response()


__all__ = ["CALL_STATUS_PATH", "handler"]
