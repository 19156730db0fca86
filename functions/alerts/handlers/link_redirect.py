"""GET /r/{token} (public): a tracked link in an alert. Counts a click for its alert and redirects to the URL
stored for the token when the alert was created; an unknown token is a 404, never a redirect to anywhere."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.logging import correlation_paths
from switchboard.observability import logger, metrics, tracer
from switchboard.settings import LinkRedirectSettings, load_settings

from alerts.dal.alerts_table import AlertsTable
from alerts.logic.links import TOKEN

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings(LinkRedirectSettings)
_NOT_FOUND = {
    "statusCode": 404,
    "headers": {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"},
    "body": "This link is not known.",
}


@cache
def dependencies() -> AlertsTable:
    return AlertsTable(boto3.resource("dynamodb").Table(settings.table_name))


def follow_link(token: str, store: AlertsTable) -> dict[str, Any]:
    if not TOKEN.match(token):
        return _NOT_FOUND
    link = store.link(token)
    if link is None:
        return _NOT_FOUND
    store.count_click(str(link["alert_id"]), token, datetime.now(UTC).date().isoformat())
    logger.info("Tracked link followed", extra={"alert_id": link["alert_id"]})
    return {
        "statusCode": 302,
        # no-store: every click reaches the count; the target is the stored URL only.
        "headers": {
            "Location": str(link["url"]),
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
        "body": "",
    }


@logger.inject_lambda_context(log_event=False, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    token = str((event.get("pathParameters") or {}).get("token", ""))
    return follow_link(token, dependencies())
