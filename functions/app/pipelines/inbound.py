"""Every step that reacts to a resident's message, registered in one place, in one list.

Each step is a small object from its own domain with a declared contract (functions/inbox/pipeline.py); the
pipeline runs them in their declared order. A new capability that reacts to a resident's message is one step
in its own domain plus one line in `inbound_steps` (docs/architecture.md, "The inbound pipeline").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from callbacks.handlers.keywords import callback_keyword_step
from feedback.dal.feedback_table import survey_key
from feedback.steps import FeedbackRatingStep
from inbox.dal.agency_settings import AgencyName
from inbox.dal.alert_replies_table import AlertRepliesTable
from inbox.dal.consent_table import ConsentTable
from inbox.dal.inbox_table import InboxTable
from inbox.dal.pending_prompts import PendingPrompts
from inbox.integrations.thread_replies import ThreadReplies
from inbox.logic.automatic_handling import AutomaticHandlingStep
from inbox.logic.inbound_messages import MediaArchive, MediaSource
from inbox.logic.inbound_steps import AlertReplyLinkStep, StoreStep
from inbox.pipeline import InboundPipeline, InboundStep, SystemReplies
from reminders.handlers.keywords import reminder_keyword_step
from reports.dal.report_table import STATE_SK, state_pk
from reports.steps import ReportsInboundStep, ThreadDims
from routing.dal.routing_table import BatchRulesRoutingTable, rules_read_once
from routing.logic.assignment import Routing
from routing.logic.inbound_step import RoutingStep
from servicerequests.dal.intake_table import INTAKE_SK, IntakeTable
from servicerequests.dal.requests_table import CatalogueTable, RequestsTable
from servicerequests.integrations.forward_queue import SqsCityForwardQueue
from servicerequests.integrations.s3_photos import S3PhotoFiler
from servicerequests.logic.intake_step import IntakeStep
from subscriptions.dal.signup_table import SignupTable
from subscriptions.logic.inbound_keywords import RESERVED_WORDS, ConsentKeywordsStep, RevocationFlagStep
from subscriptions.logic.signup import signup_confirmation_step
from switchboard.phone import Address, parse_address
from switchboard.read_once import ReadOnceTable
from switchboard.table_keys import RESIDENT_SK, SID_SK, THREAD_META_SK, resident_pk, sid_pk, thread_pk
from translation.steps import translation_steps
from triage.integrations.second_opinion import ComprehendSecondOpinion
from triage.logic.second_opinion import SecondOpinion
from triage.steps import triage_steps
from webchat.dal.chat_table import ChatTable
from webchat.dal.uploads import PhotoUploads
from webchat.integrations.photo_source import CheckedPhotoSource
from webchat.logic.contact_step import WebChatContactStep
from zones.dal.zones_table import ZonesTable

from app.feedback_wiring import feedback_surveys, replies_only
from app.places import gazetteer_place
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
    s3: Any = None
    media_bucket: str = ""
    outbound: Any = None  # the OutboundQueue (the feedback survey's texts); None in tests that send none
    first_texts: ThreadReplies | None = None  # texts to someone with no thread yet (triage's on-call page)
    second_opinion: SecondOpinion | None = None  # triage's optional second stage (None: the rules alone)
    forward_to_city: Callable[[str], None] | None = None  # new service requests, to the Open311 client


def wire_inbound(
    table: Any,
    *,
    archive: MediaArchive,
    media_source: MediaSource,
    s3: Any,
    media_bucket: str,
    outbound: Any,
    agency_name: str,
    comprehend: Any | None = None,
    city_forward: tuple[Any, str] | None = None,  # (SQS client, CityForwardQueue's URL)
) -> InboundWiring:
    """`comprehend`: an Amazon Comprehend client when triage's second stage is on, else None (the rules
    alone). Every step reads and writes through one `ReadOnceTable`, so that each message's steps read an
    item once (the pipeline opens its memory per message)."""
    table = ReadOnceTable(table)
    replies = ThreadReplies(InboxTable(table), outbound)
    return InboundWiring(
        table=table,
        archive=archive,
        media_source=media_source,
        webchat_photos=PhotoUploads(s3, media_bucket),
        replies=replies,
        agency_name=AgencyName(table, agency_name),
        s3=s3,
        media_bucket=media_bucket,
        outbound=outbound,
        first_texts=replies,
        second_opinion=ComprehendSecondOpinion(comprehend) if comprehend is not None else None,
        forward_to_city=SqsCityForwardQueue(*city_forward) if city_forward else None,
    )


# The steps whose automatic answer is all a resident asked for: a conversation only they answered is
# "handled automatically" (inbox.logic.automatic_handling): JOIN, a ZIP, STOP, START, HELP; YES; a 1-5
# rating; CALLBACK; DONE.
AUTOMATIC_KEYWORD_FLOWS = frozenset(
    {"consent_keywords", "signup_confirmation", "feedback_rating", "callback_keywords", "reminder_keywords"}
)


def conversation_items(thread_id: str, sid: str) -> list[dict[str, str]]:
    """The items the steps read for nearly every message, fetched together once the thread is known: the
    message's SID item (the store's duplicate check; triage and translation find the stored message by it),
    the feedback survey, the 311 intake session and the reports' conversation state. An item not listed
    here is still read once per message, by the first step that asks."""
    return [
        {"pk": sid_pk(sid), "sk": SID_SK},
        survey_key(thread_id),
        {"pk": thread_pk(thread_id), "sk": INTAKE_SK},
        {"pk": state_pk(thread_id), "sk": STATE_SK},
    ]


def inbound_steps(wiring: InboundWiring) -> Iterator[InboundStep | None]:
    """The registrations, in any order (each step's contract carries its order)."""
    table, replies, agency = wiring.table, wiring.replies, wiring.agency_name
    consent = ConsentTable(table)

    def media_source_for(resident: Address) -> MediaSource:
        # A web chat photo comes from the checked copy of this session's upload, never from a URL.
        if resident.channel == "webchat":
            return CheckedPhotoSource(wiring.webchat_photos, resident.number)
        return wiring.media_source

    # The feedback survey's answer (a rating) is stored without reopening the thread: the store asks first.
    surveys = feedback_surveys(table, outbound=wiring.outbound or replies_only(), agency_name=agency)
    reads = table if isinstance(table, ReadOnceTable) else None

    def prefetch(thread_id: str, sid: str) -> None:
        if reads is not None:
            reads.prefetch(conversation_items(thread_id, sid))

    def read_stored_thread(thread_id: str) -> None:
        # Once, consistently, after the store's transaction: triage, alert-reply linking and automatic
        # handling skip the conditional updates it shows would change nothing; routing and the reports
        # read it from memory.
        if reads is not None:
            reads.get_item(Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK}, ConsistentRead=True)

    yield StoreStep(
        InboxTable(table),
        wiring.archive,
        media_source_for,
        answers_prompt=surveys.answers_survey,
        prefetch=prefetch,
        after_store=read_stored_thread,
    )
    yield FeedbackRatingStep(surveys, replies)
    yield ConsentKeywordsStep(consent=consent, replies=replies, agency_name=agency, places=ZonesTable(table))
    yield signup_confirmation_step(
        consent=consent, signups=SignupTable(table), agency_name=agency, replies=replies
    )
    yield IntakeStep(
        sessions=IntakeTable(table),
        catalogue=CatalogueTable(table),
        requests=RequestsTable(table),
        replies=replies,
        agency_name=agency,
        locate=gazetteer_place(ZonesTable(table)),
        language_of=lambda address: consent.load_state(address).language,
        photos=S3PhotoFiler(wiring.s3, wiring.media_bucket),
        prompts=PendingPrompts(table),
        forward=wiring.forward_to_city or IntakeStep.forward,
    )
    yield callback_keyword_step(table, agency, replies, reserved=RESERVED_WORDS)
    yield reminder_keyword_step(table, agency, replies, reserved=RESERVED_WORDS)
    yield RevocationFlagStep(consent)
    yield from triage_steps(
        table,
        replies,
        oncall_texts=wiring.first_texts,
        agency_name=agency,
        second_opinion=wiring.second_opinion,
    )
    yield AlertReplyLinkStep(AlertRepliesTable(table))
    yield WebChatContactStep(ChatTable(table))
    yield RoutingStep(Routing(BatchRulesRoutingTable(table)))
    yield AutomaticHandlingStep(InboxTable(table), AUTOMATIC_KEYWORD_FLOWS)
    yield from translation_steps(table)
    yield ReportsInboundStep(report_recorder(table), ThreadDims(table))


@contextmanager
def batch_scope(wiring: InboundWiring, senders: Iterable[str]) -> Iterator[None]:
    """One SQS batch of the inbound consumer: what the steps read once per batch instead of once per message.
    The routing rules (a batch is routed by the rules in force when it began), and the senders' resident
    items, which point at their threads and never change once written, in one BatchGetItem."""
    with rules_read_once():
        if not isinstance(wiring.table, ReadOnceTable):
            yield
            return
        with wiring.table.lasting():
            keys = []
            for sender in senders:
                try:
                    keys.append({"pk": resident_pk(parse_address(sender).value), "sk": RESIDENT_SK})
                except ValueError:
                    continue  # the record itself fails in the processor, and goes to the DLQ
            wiring.table.prefetch_lasting(keys)
            yield


def inbound_pipeline(wiring: InboundWiring) -> InboundPipeline:
    reads = wiring.table if isinstance(wiring.table, ReadOnceTable) else None
    return InboundPipeline((step for step in inbound_steps(wiring) if step is not None), reads=reads)
