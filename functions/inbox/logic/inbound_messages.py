"""A resident's message stored exactly once: resident and thread found or created, media copied (images
re-encoded so that no metadata survives), one transaction.

Idempotent by MessageSid: SQS (at-least-once) and Twilio (webhook retries) may both deliver a message again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from switchboard.images import (
    ImageRefused,
    is_image_type,
    looks_like_image,
    reencode_image,
    stored_type_for,
)
from switchboard.observability import logger, metrics, redact_address
from switchboard.phone import Address, parse_address
from switchboard.statuses import RECEIVED

from inbox.models.conversations import MediaRef, Message, preview_of
from inbox.models.media import ImageNotReencoded, MediaBlob, MediaUnavailable, media_id_for
from inbox.models.queue_messages import IncomingMedia, IncomingMessage
from inbox.models.records import ThreadActivity, new_id


class InboundStore(Protocol):
    def sid_seen(self, sid: str) -> bool: ...

    def thread_for_resident(self, resident: Address, new_thread_id: str, now: str) -> str: ...

    def store_inbound(
        self, message: Message, activity: ThreadActivity, sid: str, *, reopen: bool = True
    ) -> bool: ...


class MediaArchive(Protocol):
    def has(self, thread_id: str, sid: str, index: int) -> bool: ...

    def put(self, thread_id: str, sid: str, index: int, media: MediaBlob) -> None: ...


class MediaSource(Protocol):
    def download(self, url: str) -> MediaBlob: ...


@dataclass(frozen=True)
class InboundOutcome:
    duplicate: bool
    thread_id: str | None = None
    media_stored: int = 0
    media_skipped: int = 0
    held: bool = False  # an answer to an automatic prompt: stored without reopening the thread


# Whether a message answers an automatic prompt of its thread (a survey) and so leaves the thread as it is.
PromptAnswer = Callable[[str, IncomingMessage], bool]


def store_incoming_message(
    incoming: IncomingMessage,
    *,
    store: InboundStore,
    archive: MediaArchive,
    media_source: MediaSource,
    make_id: Callable[[], str] = new_id,
    answers_prompt: PromptAnswer | None = None,
    prefetch: Callable[[str], None] | None = None,
) -> InboundOutcome:
    """Store `incoming` unless its SID was stored before; transient failures raise (SQS retries).

    `prefetch` is told the thread id as soon as it is known, before the SID is checked: the pipeline reads
    what its steps will need (the SID item among them) in one request."""
    log_keys = {"message_sid": incoming.sid, "from_hash": redact_address(incoming.from_address)}
    resident = parse_address(incoming.from_address)
    thread_id = store.thread_for_resident(resident, make_id(), incoming.received_at)
    if prefetch is not None:
        prefetch(thread_id)
    # A cheap read spares a redelivered MMS its downloads; the transaction below is what guarantees once.
    if store.sid_seen(incoming.sid):
        logger.info("Inbound message already stored", extra=log_keys)
        metrics.add_metric(name="InboundMessageDuplicate", unit=MetricUnit.Count, value=1)
        return InboundOutcome(duplicate=True, thread_id=thread_id)

    media = [
        ref
        for item in incoming.media
        if (ref := _copy_media(item, thread_id, incoming.sid, archive, media_source, log_keys)) is not None
    ]
    message = Message(
        message_id=make_id(),
        thread_id=thread_id,
        direction="in",
        body=incoming.body,
        media=media,
        status=RECEIVED,
        created_at=incoming.received_at,
        author="resident",
        twilio_sid=incoming.sid,
        full_length=incoming.full_length,
    )
    activity = ThreadActivity(
        thread_id=thread_id,
        resident=resident,
        at=incoming.received_at,
        preview=preview_of(incoming.body, len(media)),
        direction="in",
        agency_address=parse_address(incoming.to_address).value,
    )
    held = answers_prompt is not None and answers_prompt(thread_id, incoming)
    stored = store.store_inbound(message, activity, incoming.sid, reopen=not held)
    outcome = InboundOutcome(
        duplicate=not stored,
        thread_id=thread_id,
        media_stored=len(media),
        media_skipped=len(incoming.media) - len(media),
        held=held and stored,
    )
    logger.info(
        "Inbound message stored" if stored else "Inbound message was a concurrent duplicate",
        extra={
            **log_keys,
            "thread_id": thread_id,
            "media": len(media),
            "media_skipped": outcome.media_skipped,
        },
    )
    metrics.add_metric(
        name="InboundMessageStored" if stored else "InboundMessageDuplicate", unit=MetricUnit.Count, value=1
    )
    return outcome


def _copy_media(
    item: IncomingMedia,
    thread_id: str,
    sid: str,
    archive: MediaArchive,
    media_source: MediaSource,
    log_keys: dict[str, str],
) -> MediaRef | None:
    """Copy one media to a key fixed by (thread, SID, index), so a retry rewrites the same object."""
    media_id = media_id_for(sid, item.index)
    if archive.has(thread_id, sid, item.index):
        return MediaRef(media_id=media_id, content_type=stored_type_for(item.content_type))
    try:
        stored = _without_image_metadata(media_source.download(item.url), item.content_type)
    except MediaUnavailable as error:
        # Losing a picture is better than losing the resident's message to the DLQ.
        logger.warning(
            "Inbound media skipped",
            extra={**log_keys, "media_index": item.index, "reason": type(error).__name__},
        )
        metrics.add_metric(name="InboundMediaSkipped", unit=MetricUnit.Count, value=1)
        return None
    archive.put(thread_id, sid, item.index, stored)
    return MediaRef(media_id=media_id, content_type=stored.content_type)


def _without_image_metadata(downloaded: MediaBlob, declared_type: str) -> MediaBlob:
    """An image (by its declared type, its download's type or its first bytes) re-encoded from its pixels
    alone: no Exif, GPS, XMP, ICC or comments reach the bucket, and HEIC becomes JPEG. Other media (video,
    audio, vCard, PDF) are stored as they are, under the type the webhook declared. A web chat photo was
    re-encoded when the chat API checked it, and is not encoded twice."""
    if downloaded.reencoded:
        return downloaded
    if not (
        is_image_type(declared_type)
        or is_image_type(downloaded.content_type)
        or looks_like_image(downloaded.content)
    ):
        return MediaBlob(downloaded.content, declared_type)
    try:
        clean = reencode_image(downloaded.content)
    except ImageRefused as refused:
        raise ImageNotReencoded(refused.reason) from None
    return MediaBlob(clean.content, clean.content_type, reencoded=True)
