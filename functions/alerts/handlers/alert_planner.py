"""AlertPlanQueue consumer: an alert's fan-out (send now, its schedule firing) and quiet-hours waves."""

from __future__ import annotations

from functools import cache

import boto3
from switchboard.batch import sqs_batch_handler, standard_processor
from switchboard.settings import AlertPlannerSettings, load_settings

from alerts.dal.alerts_table import AlertsTable
from alerts.integrations.queues import SqsDeliveryQueue
from alerts.logic.fanout import plan
from alerts.models.alerts import PlanRecord

settings = load_settings(AlertPlannerSettings)


@cache
def dependencies() -> tuple[AlertsTable, SqsDeliveryQueue]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return AlertsTable(table), SqsDeliveryQueue(boto3.client("sqs"), settings.alert_send_queue_url)


def plan_record(record: PlanRecord) -> None:
    store, queue = dependencies()
    plan(record.body, store, queue)


handler = sqs_batch_handler(plan_record, standard_processor(PlanRecord))
