"""StatusQueue consumer: applies Twilio status callbacks to outbound messages, forward only."""

from __future__ import annotations

from functools import cache

import boto3
from switchboard.batch import sqs_batch_handler, standard_processor
from switchboard.settings import StatusConsumerSettings, load_settings

from inbox.dal.inbox_table import InboxTable
from inbox.logic.status_callbacks import StatusStore, apply_status_callback
from inbox.models.queue_messages import StatusCallback, StatusRecord

settings = load_settings(StatusConsumerSettings)


@cache
def dependencies() -> StatusStore:
    return InboxTable(boto3.resource("dynamodb").Table(settings.table_name))


def apply_record(record: StatusRecord) -> None:
    apply_status_callback(StatusCallback.from_envelope(record.body), dependencies())


handler = sqs_batch_handler(apply_record, standard_processor(StatusRecord))
