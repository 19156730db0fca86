"""A resident's web chat: start a session, send, read what came back, type, continue by text.

A web chat message enters exactly where a text does: the InboundQueue, as a `webchat.inbound` envelope with
From=`webchat:{session_id}`, so the one inbound consumer stores it in the same thread model
(docs/architecture.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from switchboard.clock import utc_now_iso
from switchboard.observability import logger, metrics
from switchboard.phone import WEBCHAT_PREFIX
from switchboard.public_texts import PublicTextGuard

from webchat.dal.uploads import MEDIA_URL_SCHEME
from webchat.logic import rate_limits
from webchat.logic.hours import BusinessHours
from webchat.logic.photo_uploads import PhotoStore, check_photo
from webchat.logic.tokens import SessionToken, issue_token, new_session_id
from webchat.models.chat import (
    Availability,
    ChatMedia,
    ChatMessageIn,
    ChatMessageOut,
    ChatUpdates,
    Contact,
    ContactUpdate,
    MessageAccepted,
    SessionStarted,
)
from webchat.models.errors import NoConversation

TYPING_FOR_S = 6.0
UPDATES_PAGE = 100


class ChatStore(rate_limits.Counters, Protocol):
    def create_session(
        self, session_id: str, created_at: str, expires_at: int, contact: dict[str, str]
    ) -> None: ...

    def save_contact(self, session_id: str, contact: dict[str, str]) -> None: ...

    def name_thread(self, thread_id: str, name: str) -> bool: ...

    def thread_of(self, address: str) -> str | None: ...

    def thread(self, thread_id: str) -> dict[str, Any] | None: ...

    def messages_after(self, thread_id: str, after: str | None, limit: int) -> list[dict[str, Any]]: ...

    def continue_by_text(self, thread_id: str, phone: str, now: str) -> None: ...

    def mark_typing(self, thread_id: str, who: str, until: float) -> None: ...

    def typing_until(self, thread_id: str, who: str) -> float: ...


class InboundQueue(Protocol):
    def send(self, body: str, group_id: str, dedup_id: str) -> None: ...


def session_address(session_id: str) -> str:
    return WEBCHAT_PREFIX + session_id


def availability(
    hours: BusinessHours | None, hours_text: str, now: datetime, *, agents_online: bool = True
) -> Availability:
    if hours is None:
        return Availability(open=True, next_open=None, hours=hours_text, agents_online=agents_online)
    zone = hours.zone.key
    if hours.is_open(now):
        return Availability(
            open=True, next_open=None, hours=hours_text, timezone=zone, agents_online=agents_online
        )
    return Availability(
        open=False,
        next_open=hours.next_open(now).isoformat(),
        hours=hours_text,
        timezone=zone,
        agents_online=agents_online,
    )


def start_session(
    store: ChatStore,
    key: bytes,
    contact: Contact,
    *,
    source_ip: str,
    now: int,
    available: Availability,
) -> SessionStarted:
    rate_limits.check_limit(store, rate_limits.ADDRESS_SESSIONS, source_ip, now)
    token: SessionToken = issue_token(key, new_session_id(), now)
    store.create_session(
        token.session_id, utc_now_iso(), token.expires_at, contact.model_dump(exclude_none=True)
    )
    logger.info("Web chat session started", extra={"session_hash": rate_limits.hashed(token.session_id)})
    metrics.add_metric(name="WebChatSessionStarted", unit=MetricUnit.Count, value=1)
    return SessionStarted(
        token=token.token, session_id=token.session_id, expires_at=token.expires_at, availability=available
    )


def send_message(
    store: ChatStore,
    queue: InboundQueue,
    session_id: str,
    message: ChatMessageIn,
    *,
    source_ip: str,
    now: int,
    received_at: Callable[[], str] = utc_now_iso,
    photos: PhotoStore | None = None,
) -> MessageAccepted:
    rate_limits.check_limit(store, rate_limits.SESSION_MESSAGES, session_id, now)
    rate_limits.check_limit(store, rate_limits.ADDRESS_MESSAGES, source_ip, now)
    address = session_address(session_id)
    # Same client_id, same SID: the FIFO dedup and the consumer's SID item store a retried POST once.
    sid = "WC" + hashlib.sha256(f"{session_id}:{message.client_id}".encode()).hexdigest()[:32]
    params = {
        "MessageSid": sid,
        "AccountSid": "webchat",
        "From": address,
        "To": "webchat",
        "Body": message.body,
        "NumMedia": "0",
    }
    if message.upload_id is not None:
        if photos is None:
            raise ValueError("photos are not accepted here")
        # Checked (type from the bytes, size, metadata removed) before anything is queued: a refused photo
        # answers 400 and no message is stored.
        params["MediaContentType0"] = check_photo(photos, session_id, message.upload_id)
        params["MediaUrl0"] = MEDIA_URL_SCHEME + message.upload_id
        params["NumMedia"] = "1"
    envelope = {"kind": "webchat.inbound", "received_at": received_at(), "params": params}
    group = hashlib.sha256(address.encode()).hexdigest()[:32]
    queue.send(json.dumps(envelope, separators=(",", ":")), group, sid)
    logger.info("Web chat message queued", extra={"message_sid": sid})
    metrics.add_metric(name="WebChatMessageQueued", unit=MetricUnit.Count, value=1)
    return MessageAccepted(client_id=message.client_id, sid=sid)


def read_updates(
    store: ChatStore, session_id: str, after: str | None, *, now: float, available: Availability
) -> ChatUpdates:
    thread_id = store.thread_of(session_address(session_id))
    thread = store.thread(thread_id) if thread_id else None
    if thread_id is None or thread is None:
        return ChatUpdates(
            messages=[],
            cursor=after,
            agent_typing=False,
            read=False,
            text_to_masked=None,
            availability=available,
        )
    items = store.messages_after(thread_id, after, UPDATES_PAGE)
    messages = [
        ChatMessageOut(
            id=str(item["message_id"]),
            sid=str(item["twilio_sid"]) if item.get("twilio_sid") and item["direction"] == "in" else None,
            cursor=str(item["sk"]),
            direction=item["direction"],
            body=str(item.get("body", "")),
            created_at=str(item["created_at"]),
            status=str(item.get("status", "")),
            media=[
                ChatMedia(media_id=str(m["media_id"]), content_type=str(m["content_type"]))
                for m in item.get("media") or []
            ],
        )
        for item in items
    ]
    text_to = thread.get("text_to")
    return ChatUpdates(
        messages=messages,
        cursor=messages[-1].cursor if messages else after,
        agent_typing=store.typing_until(thread_id, "agent") > now,
        read=int(thread.get("unread", 0)) == 0,  # opened or answered since the resident last wrote
        text_to_masked=("•••" + str(text_to)[-4:]) if text_to else None,
        availability=available,
    )


def resident_typing(store: ChatStore, session_id: str, *, now: int) -> None:
    rate_limits.check_limit(store, rate_limits.SESSION_TYPING, session_id, now)
    thread_id = store.thread_of(session_address(session_id))
    if thread_id:
        store.mark_typing(thread_id, "resident", now + TYPING_FOR_S)


def update_contact(
    store: ChatStore,
    session_id: str,
    update: ContactUpdate,
    *,
    now_iso: str,
    texting: PublicTextGuard,
    source_ip: str,
    now: int,
) -> str | None:
    """Save what the resident told; with continue_by_text, later replies also go to their phone by SMS.

    A number someone typed on a public page is texted only in the agency's countries and within the public
    text limits (per address, per number, the agency's day): UnsupportedCountry, TooManyTexts otherwise.
    """
    store.save_contact(session_id, update.model_dump(exclude_none=True, exclude={"continue_by_text"}))
    if update.name and update.name.strip():
        # Staff see the name at once, not at the resident's next message (logic.contact_step).
        named_thread = store.thread_of(session_address(session_id))
        if named_thread:
            store.name_thread(named_thread, update.name.strip())
    if not update.continue_by_text:
        return None
    if not update.phone:
        raise ValueError("a phone number is needed to continue by text")
    texting.check_country(update.phone)
    texting.admit_client(source_ip, now)
    thread_id = store.thread_of(session_address(session_id))
    if thread_id is None:
        raise NoConversation(session_id)
    texting.admit_text(update.phone, now)
    store.continue_by_text(thread_id, update.phone, now_iso)
    logger.info("Web chat continues by text", extra={"thread_id": thread_id})
    metrics.add_metric(name="WebChatContinuedByText", unit=MetricUnit.Count, value=1)
    return "•••" + update.phone[-4:]


def agent_typing(store: ChatStore, thread_id: str, *, now: float) -> None:
    store.mark_typing(thread_id, "agent", now + TYPING_FOR_S)


def now_utc() -> datetime:
    return datetime.now(UTC)
