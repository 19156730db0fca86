"""GET and POST /u/{token} (public): one-click unsubscribe of email alerts (alerts.logic.unsubscribe_page)."""

from __future__ import annotations

import base64
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.logging import correlation_paths
from inbox.dal.consent_table import ConsentTable
from switchboard.observability import logger, metrics, tracer
from switchboard.settings import EmailAlertsSettings, load_settings

from alerts.dal.alerts_table import AlertsTable
from alerts.logic.unsubscribe_page import unsubscribe

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings(EmailAlertsSettings)


@cache
def tables() -> tuple[AlertsTable, ConsentTable]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return AlertsTable(table), ConsentTable(table)


@logger.inject_lambda_context(log_event=False, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    method = str(event.get("requestContext", {}).get("http", {}).get("method", "GET")).upper()
    token = str((event.get("pathParameters") or {}).get("token", ""))
    body = str(event.get("body") or "")
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    alerts, ledger = tables()
    return unsubscribe(method, token, body[:200], tokens=alerts, ledger=ledger, agency=settings.agency_name)
