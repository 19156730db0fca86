"""ReminderStepsFn: the reminder state machine's step (`advance`), and its failure path."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from inbox.dal.consent_table import ConsentTable
from inbox.dal.inbox_table import InboxTable
from inbox.integrations.reply_queue import SqsReplyQueue
from inbox.integrations.thread_replies import ThreadReplies
from switchboard.clock import format_timestamp
from switchboard.observability import logger, tracer
from switchboard.quiet_hours import zone_for
from switchboard.settings import CallbackStepsSettings, load_settings

from reminders.dal.reminders_table import RemindersTable
from reminders.logic.reminders import Sender, advance

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# The same environment as the callback steps: table, outbound queue, agency name and time zone.
settings = load_settings(CallbackStepsSettings)


@cache
def dependencies() -> Sender:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    consent = ConsentTable(table)
    texts = ThreadReplies(InboxTable(table), SqsReplyQueue(boto3.client("sqs"), settings.outbound_queue_url))
    return Sender(
        store=RemindersTable(table),
        texts=texts,
        opted_out=lambda address: consent.load_state(address).opted_out_all,
        agency_name=settings.agency_name,
        zone=zone_for(os.environ.get("AGENCY_TIME_ZONE"), default=settings.agency_time_zone),
    )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    sender = dependencies()
    record_id = str(event["record_id"])
    if event.get("step") == "failed":
        now = format_timestamp(datetime.now(UTC))
        sender.store.stop(record_id, "failed", "a workflow step failed; see the execution history", now)
        logger.warning("Reminder workflow failed", extra={"record_id": record_id})
        return {"action": "finish"}
    return advance(sender, record_id, str(event.get("phase") or "plan"), int(event.get("index") or 0))
