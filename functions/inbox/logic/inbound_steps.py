"""The inbox's own steps of the inbound pipeline: storing the message first, and joining a reply to the alert
that prompted it. Both run on every message, claimed or not, and on every redelivery (each is idempotent)."""

from __future__ import annotations

from collections.abc import Callable

from switchboard.phone import Address, parse_address

from inbox.logic.alert_replies import AlertRepliesStore, link_reply
from inbox.logic.inbound_messages import (
    InboundStore,
    MediaArchive,
    MediaSource,
    PromptAnswer,
    store_incoming_message,
)
from inbox.models.records import new_id
from inbox.pipeline import CONTINUE, InboundMessage, StepContract, StepResult

STORE = StepContract(
    name="store",
    order=100,
    reads=("incoming",),
    writes=("resident", "thread", "message", "media"),
    skip_when_claimed=False,
)

ALERT_REPLY_LINK = StepContract(
    name="alert_reply_link",
    order=600,
    reads=("thread", "received_at"),
    writes=("alert_reply_group",),
    skip_when_claimed=False,
)


class StoreStep:
    """Stores the message once (by MessageSid) in its resident's thread, media copied. On a redelivery the
    message is found stored; the thread is still found so that later steps can answer again idempotently."""

    contract = STORE

    def __init__(
        self,
        store: InboundStore,
        archive: MediaArchive,
        media_source_for: Callable[[Address], MediaSource],
        answers_prompt: PromptAnswer | None = None,
        prefetch: Callable[[str, str], None] | None = None,
        after_store: Callable[[str], None] | None = None,
    ) -> None:
        self._store = store
        self._archive = archive
        self._media_source_for = media_source_for
        self._answers_prompt = answers_prompt
        self._prefetch = prefetch  # (thread id, SID): read what the later steps will read, in one request
        self._after_store = after_store  # thread id: read the stored thread once for the later steps

    def run(self, message: InboundMessage) -> StepResult:
        incoming = message.incoming
        resident = parse_address(incoming.from_address)
        outcome = store_incoming_message(
            incoming,
            store=self._store,
            archive=self._archive,
            media_source=self._media_source_for(resident),
            answers_prompt=self._answers_prompt,
            prefetch=self._prefetch_for(incoming.sid),
        )
        message.redelivered = outcome.duplicate
        # Also on a duplicate: a crash after storing must not lose the STOP it carried (answers are
        # idempotent).
        message.thread_id = outcome.thread_id or self._store.thread_for_resident(
            resident, new_id(), incoming.received_at
        )
        if self._after_store is not None:
            self._after_store(message.thread_id)
        return StepResult(fact=outcome)

    def _prefetch_for(self, sid: str) -> Callable[[str], None] | None:
        prefetch = self._prefetch
        if prefetch is None:
            return None

        def for_thread(thread_id: str) -> None:
            prefetch(thread_id, sid)

        return for_thread


class AlertReplyLinkStep:
    """A reply to an alert joins the alert's group (also on a redelivery: linking again changes nothing)."""

    contract = ALERT_REPLY_LINK

    def __init__(self, store: AlertRepliesStore) -> None:
        self._store = store

    def run(self, message: InboundMessage) -> StepResult:
        if message.thread_id is None:
            return CONTINUE
        alert_id = link_reply(self._store, message.thread_id, message.received_at)
        return StepResult(fact=alert_id) if alert_id else CONTINUE
