"""InboundQueue consumer: stores each resident message once (FIFO, one message group per resident)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from callbacks.handlers.keywords import register_callback_keywords
from reminders.handlers.keywords import register_reminder_keywords
from routing.dal.routing_table import RoutingTable
from routing.logic.assignment import NewThread, Routing
from subscriptions.dal.agency_settings import AgencyName
from subscriptions.dal.consent_table import ConsentTable
from subscriptions.dal.signup_table import SignupTable
from subscriptions.integrations.thread_replies import ThreadReplies
from subscriptions.logic.inbound_keywords import (
    ConsentStore,
    KeywordRegistry,
    SystemReplies,
    answer_keywords,
)
from subscriptions.logic.signup import confirm_signup_handler
from switchboard.batch import fifo_processor, sqs_batch_handler
from switchboard.phone import channel_of, parse_address
from switchboard.settings import InboundConsumerSettings, load_settings
from switchboard.twilio_credentials import load_twilio_credentials
from webchat.dal.uploads import PhotoUploads
from webchat.integrations.photo_source import CheckedPhotoSource
from zones.dal.zones_table import ZonesTable
from zones.logic.places import ZoneSource

from inbox.dal.alert_replies_table import AlertRepliesTable
from inbox.dal.inbox_table import InboxTable
from inbox.dal.media_store import S3MediaStore
from inbox.integrations.reply_queue import SqsReplyQueue
from inbox.integrations.twilio_media import TwilioMediaDownloader
from inbox.logic.alert_replies import AlertRepliesStore, link_reply
from inbox.logic.inbound_messages import InboundStore, MediaArchive, MediaSource, store_incoming_message
from inbox.models.queue_messages import InboundRecord, IncomingMessage

settings = load_settings(InboundConsumerSettings)


@dataclass(frozen=True)
class InboundDependencies:
    store: InboundStore
    archive: MediaArchive
    media_source: MediaSource
    webchat_photos: PhotoUploads
    consent: ConsentStore
    replies: SystemReplies
    keywords: KeywordRegistry
    agency_name: Callable[[], str]
    routing: Routing
    alert_replies: AlertRepliesStore
    places: ZoneSource | None = None


def keyword_registry(table: Any) -> KeywordRegistry:
    """Keywords beyond consent (STOP, START, HELP, JOIN are built in): one `register` line each."""
    registry = KeywordRegistry()
    confirm_signup = confirm_signup_handler(
        consent=ConsentTable(table),
        signups=SignupTable(table),
        agency_name=AgencyName(table, settings.agency_name),
    )
    registry.register("YES", confirm_signup)  # the hosted sign-up page's double opt-in
    registry.register("Y", confirm_signup)
    register_callback_keywords(registry, table, AgencyName(table, settings.agency_name))
    register_reminder_keywords(registry, table, AgencyName(table, settings.agency_name))
    return registry


@cache
def dependencies() -> InboundDependencies:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return InboundDependencies(
        store=InboxTable(table),
        archive=S3MediaStore(boto3.client("s3"), settings.media_bucket),
        media_source=TwilioMediaDownloader(
            lambda: load_twilio_credentials(settings.twilio_secret_arn), settings.twilio_api_base_url
        ),
        webchat_photos=PhotoUploads(boto3.client("s3"), settings.media_bucket),
        consent=ConsentTable(table),
        replies=ThreadReplies(
            InboxTable(table), SqsReplyQueue(boto3.client("sqs"), settings.outbound_queue_url)
        ),
        keywords=keyword_registry(table),
        agency_name=AgencyName(table, settings.agency_name),
        routing=Routing(RoutingTable(table)),
        alert_replies=AlertRepliesTable(table),
        places=ZonesTable(table),
    )


def store_record(record: InboundRecord) -> None:
    deps = dependencies()
    incoming = IncomingMessage.from_envelope(record.body)
    media_source = deps.media_source
    sender = parse_address(incoming.from_address)
    if sender.channel == "webchat":
        # A web chat photo comes from the checked copy of this session's upload, never from a URL.
        media_source = CheckedPhotoSource(deps.webchat_photos, sender.number)
    outcome = store_incoming_message(
        incoming, store=deps.store, archive=deps.archive, media_source=media_source
    )
    # Also on a duplicate: a crash after storing must not lose the STOP it carried (answering is idempotent).
    answer_keywords(
        incoming,
        outcome,
        store=deps.store,
        consent=deps.consent,
        replies=deps.replies,
        registry=deps.keywords,
        agency_name=deps.agency_name(),
        places=deps.places,
    )
    # A reply to an alert joins the alert's group (also on a redelivery: linking again changes nothing).
    if outcome.thread_id:
        link_reply(deps.alert_replies, outcome.thread_id, incoming.received_at)
    # A department for a new thread, an available agent for an unassigned one (also on a redelivery: a crash
    # after storing must not leave the thread unrouted; routing twice changes nothing).
    if outcome.thread_id:
        first = NewThread(
            channel=channel_of(incoming.from_address), body=incoming.body, agency_number=incoming.to_address
        )
        deps.routing.route_thread(outcome.thread_id, first)


handler = sqs_batch_handler(store_record, fifo_processor(InboundRecord))
