"""What an agent can do in the inbox: see who they are, list threads, open one, reply, view media."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from switchboard.clock import utc_now_iso
from switchboard.observability import logger, metrics
from switchboard.phone import parse_address
from switchboard.roles import parse_groups
from switchboard.table_keys import message_sk

from inbox.models.conversations import Agent, Message, Thread, ThreadDetail, ThreadPage, preview_of
from inbox.models.errors import (
    MediaNotFound,
    NotAuthenticated,
    OwnedByAnother,
    ResidentOptedOut,
    ThreadNotFound,
)
from inbox.models.media import MediaBlob, parse_media_id
from inbox.models.records import AUTOMATIC_STATUS, Page, ThreadActivity, new_id

_THREAD_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Served inline only if a browser cannot run it; anything else is offered as an opaque download, because the
# agent page is same-origin with this API and a resident chooses what they attach.
_INLINE_TYPES = re.compile(
    r"^(image/(jpeg|png|gif|webp|bmp|heic|heif)|audio/[\w.+-]+|video/[\w.+-]+|application/pdf)$"
)


class ConversationStore(Protocol):
    def get_thread(self, thread_id: str) -> dict[str, Any] | None: ...

    def mark_read(self, thread_id: str) -> dict[str, Any] | None: ...

    def list_threads(self, limit: int, cursor: str | None) -> Page: ...

    def list_messages(self, thread_id: str, limit: int, cursor: str | None) -> Page: ...

    def store_reply(self, message: Message, activity: ThreadActivity) -> bool: ...


class ReplyQueue(Protocol):
    def enqueue(self, thread_id: str, message_id: str, message_sk: str) -> None: ...


class MediaReader(Protocol):
    def get(self, thread_id: str, sid: str, index: int) -> MediaBlob | None: ...


def agent_from_claims(claims: Mapping[str, Any]) -> Agent:
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise NotAuthenticated("no subject in the JWT claims")
    email = claims.get("email")
    return Agent(
        sub=sub,
        email=email if isinstance(email, str) else None,
        groups=parse_groups(claims.get("cognito:groups")),
    )


def list_threads(store: ConversationStore, limit: int, cursor: str | None) -> ThreadPage:
    page = store.list_threads(limit, cursor)
    return ThreadPage(
        threads=[Thread.model_validate(item) for item in page.items], next_cursor=page.next_cursor
    )


def open_thread(store: ConversationStore, thread_id: str, limit: int, cursor: str | None) -> ThreadDetail:
    """A page of messages, oldest first (the cursor walks to older pages); marks the thread read."""
    _check_thread_id(thread_id)
    thread = store.mark_read(thread_id)
    if thread is None:
        raise ThreadNotFound(thread_id)
    page = store.list_messages(thread_id, limit, cursor)
    messages = [Message.model_validate(item) for item in reversed(page.items)]
    return ThreadDetail(thread=Thread.model_validate(thread), messages=messages, next_cursor=page.next_cursor)


def reply_to_thread(
    store: ConversationStore,
    queue: ReplyQueue,
    *,
    thread_id: str,
    body: str,
    agent: Agent,
    confirm_takeover: bool = False,
    opted_out: Callable[[str], bool] | None = None,
    now: Callable[[], str] = utc_now_iso,
    make_id: Callable[[], str] = new_id,
) -> Message:
    """Store the reply as `accepted`, then queue it for the sender (which owns talking to Twilio).

    A thread another agent owns is answered only with `confirm_takeover` (OwnedByAnother otherwise). With
    `opted_out` (address -> opted out of everything), a resident who texted STOP is not written to
    (ResidentOptedOut, nothing stored); the sender checks again at send time in any case.
    """
    _check_thread_id(thread_id)
    thread = store.get_thread(thread_id)
    if thread is None:
        raise ThreadNotFound(thread_id)
    owner = thread.get("assignee")
    if owner and owner != agent.sub and not confirm_takeover:
        raise OwnedByAnother(thread_id)
    # A web chat that continues by text also reaches the resident's phone (`text_to`).
    recipients = [thread["resident"]["address"], *([thread["text_to"]] if thread.get("text_to") else [])]
    if opted_out is not None and any(opted_out(address) for address in recipients):
        logger.info("Reply refused: the resident opted out of every text", extra={"thread_id": thread_id})
        metrics.add_metric(name="ReplyRefusedOptedOut", unit=MetricUnit.Count, value=1)
        raise ResidentOptedOut(thread_id)
    created_at = now()
    message = Message(
        message_id=make_id(),
        thread_id=thread_id,
        direction="out",
        body=body,
        status="accepted",
        created_at=created_at,
        author=agent.sub,
    )
    activity = ThreadActivity(
        thread_id=thread_id,
        resident=parse_address(thread["resident"]["address"]),
        at=created_at,
        preview=preview_of(body),
        direction="out",
        reopen=thread.get("status") == AUTOMATIC_STATUS,
    )
    if not store.store_reply(message, activity):
        raise ThreadNotFound(thread_id)
    queue.enqueue(thread_id, message.message_id, message_sk(created_at, message.message_id))
    logger.info("Reply queued", extra={"thread_id": thread_id, "message_id": message.message_id})
    metrics.add_metric(name="ReplyQueued", unit=MetricUnit.Count, value=1)
    return message


def read_media(reader: MediaReader, thread_id: str, media_id: str) -> MediaBlob:
    parsed = parse_media_id(media_id)
    if parsed is None or not _THREAD_ID.match(thread_id):
        raise MediaNotFound(media_id)
    media = reader.get(thread_id, *parsed)
    if media is None:
        raise MediaNotFound(media_id)
    content_type = media.content_type.split(";")[0].strip().lower()
    return MediaBlob(
        media.content, content_type if _INLINE_TYPES.match(content_type) else "application/octet-stream"
    )


def _check_thread_id(thread_id: str) -> None:
    if not _THREAD_ID.match(thread_id):
        raise ThreadNotFound(thread_id)
