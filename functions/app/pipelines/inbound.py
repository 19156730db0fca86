"""Every step that reacts to a resident's message, registered in one place, in one list.

Each step is a small object from its own domain with a declared contract (functions/inbox/pipeline.py); the
pipeline runs them in their declared order. A new capability that reacts to a resident's message is one step
in its own domain plus one line in `inbound_steps` (docs/architecture.md, "The inbound pipeline").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from callbacks.handlers.keywords import callback_keyword_step
from inbox.dal.agency_settings import AgencyName
from inbox.dal.alert_replies_table import AlertRepliesTable
from inbox.dal.consent_table import ConsentTable
from inbox.dal.inbox_table import InboxTable
from inbox.integrations.thread_replies import ThreadReplies
from inbox.logic.inbound_messages import MediaArchive, MediaSource
from inbox.logic.inbound_steps import AlertReplyLinkStep, StoreStep
from inbox.pipeline import InboundPipeline, InboundStep, SystemReplies
from reminders.handlers.keywords import reminder_keyword_step
from reports.steps import ReportsInboundStep, ThreadDims
from routing.dal.routing_table import RoutingTable
from routing.logic.assignment import Routing
from routing.logic.inbound_step import RoutingStep
from subscriptions.dal.signup_table import SignupTable
from subscriptions.logic.inbound_keywords import RESERVED_WORDS, ConsentKeywordsStep, RevocationFlagStep
from subscriptions.logic.signup import signup_confirmation_step
from switchboard.phone import Address
from triage.steps import triage_steps
from webchat.dal.uploads import PhotoUploads
from webchat.integrations.photo_source import CheckedPhotoSource
from zones.dal.zones_table import ZonesTable

from app.reports_wiring import report_recorder


@dataclass(frozen=True, eq=False)
class InboundWiring:
    """What the inbound steps are built from (tests replace a part, e.g. the Twilio media source)."""

    table: Any
    archive: MediaArchive
    media_source: MediaSource  # Twilio's media URLs (SMS, MMS, WhatsApp)
    webchat_photos: PhotoUploads
    replies: SystemReplies
    agency_name: Callable[[], str]


def wire_inbound(
    table: Any,
    *,
    archive: MediaArchive,
    media_source: MediaSource,
    s3: Any,
    media_bucket: str,
    outbound: Any,
    agency_name: str,
) -> InboundWiring:
    return InboundWiring(
        table=table,
        archive=archive,
        media_source=media_source,
        webchat_photos=PhotoUploads(s3, media_bucket),
        replies=ThreadReplies(InboxTable(table), outbound),
        agency_name=AgencyName(table, agency_name),
    )


def inbound_steps(wiring: InboundWiring) -> Iterator[InboundStep | None]:
    """The registrations, in any order (each step's contract carries its order)."""
    table, replies, agency = wiring.table, wiring.replies, wiring.agency_name
    consent = ConsentTable(table)

    def media_source_for(resident: Address) -> MediaSource:
        # A web chat photo comes from the checked copy of this session's upload, never from a URL.
        if resident.channel == "webchat":
            return CheckedPhotoSource(wiring.webchat_photos, resident.number)
        return wiring.media_source

    yield StoreStep(InboxTable(table), wiring.archive, media_source_for)
    yield ConsentKeywordsStep(consent=consent, replies=replies, agency_name=agency, places=ZonesTable(table))
    yield signup_confirmation_step(
        consent=consent, signups=SignupTable(table), agency_name=agency, replies=replies
    )
    yield callback_keyword_step(table, agency, replies, reserved=RESERVED_WORDS)
    yield reminder_keyword_step(table, agency, replies, reserved=RESERVED_WORDS)
    yield RevocationFlagStep(consent)
    yield from triage_steps(table, replies)
    yield AlertReplyLinkStep(AlertRepliesTable(table))
    yield RoutingStep(Routing(RoutingTable(table)))
    yield ReportsInboundStep(report_recorder(table), ThreadDims(table))


def inbound_pipeline(wiring: InboundWiring) -> InboundPipeline:
    return InboundPipeline(step for step in inbound_steps(wiring) if step is not None)
