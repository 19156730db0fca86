"""OutboundQueue consumer: sends agent replies through Twilio (FIFO, one message group per thread)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import boto3
from inbox.dal.consent_table import ConsentTable
from inbox.logic.consent_changes import ConsentGate
from switchboard.batch import fifo_processor, sqs_batch_handler
from switchboard.settings import SmsSenderSettings, load_settings
from switchboard.twilio_client import twilio_client_from_secret
from switchboard.twilio_sms import TwilioSmsGateway

from outbound.dal.reply_table import ReplyTable
from outbound.logic.send_reply import ConsentCheck, ReplyStore, SmsGateway, send_reply
from outbound.models.replies import ReplyRecord

settings = load_settings(SmsSenderSettings)


@dataclass(frozen=True)
class SenderDependencies:
    store: ReplyStore
    gateway: SmsGateway
    consent: ConsentCheck


@cache
def dependencies() -> SenderDependencies:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return SenderDependencies(
        store=ReplyTable(table),
        gateway=TwilioSmsGateway(
            lambda: twilio_client_from_secret(settings.twilio_secret_arn, settings.twilio_api_base_url),
            settings.status_callback_url,
        ),
        consent=ConsentGate(ConsentTable(table)),
    )


def send_record(record: ReplyRecord) -> None:
    deps = dependencies()
    send_reply(
        record.body,
        store=deps.store,
        gateway=deps.gateway,
        consent=deps.consent,
        from_number=settings.twilio_from_number,
        messaging_service_sid=settings.twilio_messaging_service_sid,
    )


handler = sqs_batch_handler(send_record, fifo_processor(ReplyRecord))
