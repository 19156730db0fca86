"""Keyword answers go out like agent replies: stored in the resident's thread, then queued for the sender."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Protocol

from switchboard.clock import format_timestamp, utc_now_iso
from switchboard.phone import Address, parse_address
from switchboard.table_keys import message_sk

from inbox.models.conversations import Message, preview_of
from inbox.models.records import ThreadActivity, new_id
from inbox.pipeline import InboundText

SYSTEM_AUTHOR = "switchboard"


class ThreadStore(Protocol):
    def store_system_reply(
        self, message: Message, activity: ThreadActivity, *, create_thread: bool = False
    ) -> bool: ...

    def thread_for_resident(self, resident: Address, new_thread_id: str, now: str) -> str: ...


class OutboundQueue(Protocol):
    def enqueue(
        self,
        thread_id: str,
        message_id: str,
        message_sk: str,
        *,
        category: str = "conversational",
        topic: str | None = None,
    ) -> None: ...


def reply_id_for(sid: str) -> str:
    """The answer's id follows from the message it answers: a redelivered STOP finds the same answer."""
    return hashlib.sha256(f"system-reply:{sid}".encode()).hexdigest()[:32]


class ThreadReplies:
    def __init__(self, threads: ThreadStore, queue: OutboundQueue) -> None:
        self._threads = threads
        self._queue = queue

    def send(self, text: InboundText, body: str, *, purpose: str = "answer") -> None:
        """`purpose`: a flow that answers free text (a 311 report) uses its own, so that its answer and a
        keyword's or the crisis answer to the same message are two replies, each sent once."""
        if purpose == "answer":
            message_id, after = reply_id_for(text.sid), 1
        else:
            message_id, after = (
                hashlib.sha256(f"system-reply:{purpose}:{text.sid}".encode()).hexdigest()[:32],
                2,
            )
        # Just after the message it answers, so it sorts right after it in the thread; fixed, so a retry
        # writes the same key.
        created_at = format_timestamp(
            datetime.fromisoformat(text.received_at.replace("Z", "+00:00")) + timedelta(milliseconds=after)
        )
        message = Message(
            message_id=message_id,
            thread_id=text.thread_id,
            direction="out",
            body=body,
            status="accepted",
            created_at=created_at,
            author=SYSTEM_AUTHOR,
        )
        activity = ThreadActivity(
            thread_id=text.thread_id,
            resident=parse_address(text.address),
            at=created_at,
            preview=preview_of(body),
            direction="out",
        )
        self._threads.store_system_reply(message, activity)
        # Queued again on a redelivery: the queue deduplicates by message id and the sender skips a reply
        # that already has a Twilio SID. Keyword answers are transactional: a STOP is confirmed.
        self._queue.enqueue(
            text.thread_id, message_id, message_sk(created_at, message_id), category="transactional"
        )

    def send_first(self, address: str, message_id: str, body: str) -> None:
        """A text to a resident who may never have written in (a sign-up confirmation)."""
        resident = parse_address(address)
        created_at = utc_now_iso()
        thread_id = self._threads.thread_for_resident(resident, new_id(), created_at)
        reply_id = hashlib.sha256(f"system-first:{message_id}".encode()).hexdigest()[:32]
        message = Message(
            message_id=reply_id,
            thread_id=thread_id,
            direction="out",
            body=body,
            status="accepted",
            created_at=created_at,
            author=SYSTEM_AUTHOR,
        )
        activity = ThreadActivity(
            thread_id=thread_id, resident=resident, at=created_at, preview=preview_of(body), direction="out"
        )
        self._threads.store_system_reply(message, activity, create_thread=True)
        self._queue.enqueue(thread_id, reply_id, message_sk(created_at, reply_id), category="transactional")
