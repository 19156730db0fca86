"""AlertPlanQueue consumer: an alert's fan-out (send now, its schedule firing) and quiet-hours waves."""

from __future__ import annotations

from functools import cache

import boto3
from switchboard.batch import sqs_batch_handler, standard_processor
from switchboard.settings import AlertPlannerSettings, load_settings

from alerts.dal.alerts_table import AlertsTable
from alerts.integrations.queues import SqsDeliveryQueue, SqsPlanQueue
from alerts.logic.fanout import Sharding, plan
from alerts.models.alerts import PlanRecord

settings = load_settings(AlertPlannerSettings)


@cache
def dependencies() -> tuple[AlertsTable, SqsDeliveryQueue, Sharding]:
    table = AlertsTable(boto3.resource("dynamodb").Table(settings.table_name))
    sqs = boto3.client("sqs")
    # A large audience's shard jobs go back to this function's own queue (alerts.logic.shards).
    sharding = Sharding(table, SqsPlanQueue(sqs, settings.alert_plan_queue_url))
    return table, SqsDeliveryQueue(sqs, settings.alert_send_queue_url), sharding


def plan_record(record: PlanRecord) -> None:
    store, queue, sharding = dependencies()
    plan(record.body, store, queue, sharding=sharding)


handler = sqs_batch_handler(plan_record, standard_processor(PlanRecord))
