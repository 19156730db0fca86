"""InboundQueue consumer: each resident message goes through the inbound pipeline once (FIFO, one message
group per resident): stored, answered, linked and routed by the steps in app.pipelines.inbound."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from inbox.dal.media_store import S3MediaStore
from inbox.integrations.reply_queue import SqsReplyQueue
from inbox.integrations.twilio_media import TwilioMediaDownloader
from inbox.models.queue_messages import InboundRecord, IncomingMessage
from inbox.pipeline import InboundMessage, InboundPipeline
from switchboard.batch import fifo_processor, sqs_batch_handler
from switchboard.phone import parse_address
from switchboard.settings import InboundConsumerSettings, load_settings
from switchboard.twilio_credentials import load_twilio_credentials

from app.pipelines.inbound import InboundWiring, batch_scope, inbound_pipeline, wire_inbound

settings = load_settings(InboundConsumerSettings)


@cache
def dependencies() -> InboundWiring:
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    return wire_inbound(
        boto3.resource("dynamodb").Table(settings.table_name),
        archive=S3MediaStore(s3, settings.media_bucket),
        media_source=TwilioMediaDownloader(
            lambda: load_twilio_credentials(settings.twilio_secret_arn), settings.twilio_api_base_url
        ),
        s3=s3,
        media_bucket=settings.media_bucket,
        outbound=SqsReplyQueue(sqs, settings.outbound_queue_url),
        agency_name=settings.agency_name,
        # Triage's second stage, when the agency turned it on (CDK context triageSecondOpinion).
        comprehend=boto3.client("comprehend") if settings.triage_second_opinion == "comprehend" else None,
        city_forward=(sqs, settings.city_forward_queue_url) if settings.city_forward_queue_url else None,
    )


@cache
def pipeline_for(wiring: InboundWiring) -> InboundPipeline:
    return inbound_pipeline(wiring)


def store_record(record: InboundRecord) -> None:
    incoming = IncomingMessage.from_envelope(record.body)
    resident = parse_address(incoming.from_address)
    message = InboundMessage(incoming=incoming, address=resident.value, channel=resident.channel)
    pipeline_for(dependencies()).run(message)


process_batch = sqs_batch_handler(store_record, fifo_processor(InboundRecord))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # What the steps read once per batch: the routing rules, the senders' resident items.
    with batch_scope(dependencies(), _senders(event.get("Records") or [])):
        return dict(process_batch(event, context))


def _senders(records: list[dict[str, Any]]) -> list[str]:
    """The From of each record that parses (one that does not is the processor's to fail, not ours)."""
    senders = []
    for record in records:
        try:
            senders.append(InboundRecord.model_validate(record).body.params.get("From", ""))
        except ValueError:
            continue
    return [sender for sender in senders if sender]
