"""NoticeFireFn: EventBridge Scheduler's target for every notice schedule. Input
`{"notice_id", "scheduled_time"}`; the occurrence becomes an alert sent by the alerts fan-out, once."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from alerts.dal.notice_table import NoticeTable
from alerts.integrations.notice_alerts import FanOutAlerts
from alerts.integrations.queues import SqsPlanQueue
from alerts.logic.notices import fire_notice
from alerts.models.notices import FireEvent
from pydantic import ValidationError
from switchboard.observability import logger, metrics, tracer
from switchboard.settings import NoticeFireSettings, load_settings
from zones.dal.zones_table import ZonesTable

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings(NoticeFireSettings)


@cache
def dependencies() -> tuple[NoticeTable, FanOutAlerts]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    plan_queue = SqsPlanQueue(boto3.client("sqs"), settings.alert_plan_queue_url)
    return NoticeTable(table), FanOutAlerts(table, ZonesTable(table), plan_queue, settings.public_api_url)


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        fired = FireEvent.model_validate(event)
    except ValidationError:
        # Not retryable: Scheduler's retries would fail the same way. Logged without the event's content.
        logger.error("Notice schedule input is malformed")
        return {"alert_id": None, "error": "malformed input"}
    store, alerts = dependencies()
    return {"alert_id": fire_notice(store, alerts, fired)}
