"""StatusQueue consumer: Twilio status callbacks through the status pipeline, forward only (an alert's text
moves its alert's figures, any other message its own status: app.pipelines.status)."""

from __future__ import annotations

from functools import cache

import boto3
from inbox.dal.inbox_table import InboxTable
from inbox.logic.status_callbacks import apply_status_callback
from inbox.models.queue_messages import StatusCallback, StatusRecord
from inbox.pipeline import StatusPipeline
from switchboard.batch import sqs_batch_handler, standard_processor
from switchboard.settings import StatusConsumerSettings, load_settings

from app.pipelines.status import status_steps

settings = load_settings(StatusConsumerSettings)


@cache
def dependencies() -> StatusPipeline:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return StatusPipeline(InboxTable(table), status_steps(table))


def apply_record(record: StatusRecord) -> None:
    apply_status_callback(StatusCallback.from_envelope(record.body), dependencies())


handler = sqs_batch_handler(apply_record, standard_processor(StatusRecord))
