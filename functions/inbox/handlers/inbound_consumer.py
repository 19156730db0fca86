"""InboundQueue consumer: stores each resident message once (FIFO, one message group per resident)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import boto3
from switchboard.batch import fifo_processor, sqs_batch_handler
from switchboard.settings import InboundConsumerSettings, load_settings
from switchboard.twilio_credentials import load_twilio_credentials

from inbox.dal.inbox_table import InboxTable
from inbox.dal.media_store import S3MediaStore
from inbox.integrations.twilio_media import TwilioMediaDownloader
from inbox.logic.inbound_messages import InboundStore, MediaArchive, MediaSource, store_incoming_message
from inbox.models.queue_messages import InboundRecord, IncomingMessage

settings = load_settings(InboundConsumerSettings)


@dataclass(frozen=True)
class InboundDependencies:
    store: InboundStore
    archive: MediaArchive
    media_source: MediaSource


@cache
def dependencies() -> InboundDependencies:
    return InboundDependencies(
        store=InboxTable(boto3.resource("dynamodb").Table(settings.table_name)),
        archive=S3MediaStore(boto3.client("s3"), settings.media_bucket),
        media_source=TwilioMediaDownloader(
            lambda: load_twilio_credentials(settings.twilio_secret_arn), settings.twilio_api_base_url
        ),
    )


def store_record(record: InboundRecord) -> None:
    deps = dependencies()
    store_incoming_message(
        IncomingMessage.from_envelope(record.body),
        store=deps.store,
        archive=deps.archive,
        media_source=deps.media_source,
    )


handler = sqs_batch_handler(store_record, fifo_processor(InboundRecord))
