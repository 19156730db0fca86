"""POST /twilio/alert-calls/{alert_id}: the repeat key of a voice alert (channels.logic.alert_call)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from alerts.dal.alerts_table import AlertsTable
from aws_lambda_powertools.logging import correlation_paths
from switchboard.observability import logger, metrics
from switchboard.settings import AlertCallWebhookSettings, load_settings
from switchboard.twilio_credentials import load_twilio_credentials

from channels.logic.alert_call import answer_alert_call
from channels.models.webhooks import TwilioPost

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings(AlertCallWebhookSettings)


@cache
def alerts() -> AlertsTable:
    return AlertsTable(boto3.resource("dynamodb").Table(settings.table_name))


@logger.inject_lambda_context(log_event=False, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return answer_alert_call(
        TwilioPost.from_http_api_event(event),
        str((event.get("pathParameters") or {}).get("alert_id", "")),
        credentials=lambda: load_twilio_credentials(settings.twilio_secret_arn),
        public_api_url=settings.public_api_url,
        alerts=alerts(),
        agency=lambda: settings.agency_name,
    ).to_http_api_response()
