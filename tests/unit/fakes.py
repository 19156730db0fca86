"""In-memory stand-ins for the DAL and integration interfaces, with the same conditional-write semantics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from channels.models.webhooks import QueuedTwilioEvent
from inbox.models.consent import ConsentChange, ConsentState, Topic
from inbox.models.conversations import Message
from inbox.models.media import MediaBlob
from inbox.models.records import Page, SidRef, ThreadActivity
from inbox.pipeline import InboundText
from outbound.models.replies import PendingReply
from switchboard.dynamodb import TransactionConflict
from switchboard.phone import Address, Channel
from switchboard.statuses import STATUS_RANKS, rank_of
from switchboard.table_keys import consent_ledger_sk, message_sk
from switchboard.twilio_sms import RecipientRejected, Sender, SentSms

from tests import photo_samples


class InMemoryPublisher:
    def __init__(self) -> None:
        self.events: list[QueuedTwilioEvent] = []

    def publish(self, event: QueuedTwilioEvent) -> None:
        self.events.append(event)


@dataclass
class InMemoryInbox:
    """Residents, threads, messages and SID items, as the table keeps them."""

    residents: dict[str, str] = field(default_factory=dict)
    threads: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    sids: dict[str, SidRef] = field(default_factory=dict)
    conflict_once: bool = False  # answer the next transaction as a concurrent duplicate

    def sid_seen(self, sid: str) -> bool:
        return sid in self.sids

    def find_sid(self, sid: str) -> SidRef | None:
        return self.sids.get(sid)

    def thread_for_resident(self, resident: Address, new_thread_id: str, now: str) -> str:
        return self.residents.setdefault(resident.value, new_thread_id)

    def store_inbound(
        self, message: Message, activity: ThreadActivity, sid: str, *, reopen: bool = True
    ) -> bool:
        if sid in self.sids or self.conflict_once:
            self.conflict_once = False
            return False
        sk = message_sk(message.created_at, message.message_id)
        self.sids[sid] = SidRef(message.thread_id, sk, "in")
        self._put(message, sk)
        thread = self._touch(activity)
        if reopen:
            thread["unread"] = thread.get("unread", 0) + 1
        return True

    def store_reply(self, message: Message, activity: ThreadActivity) -> bool:
        if activity.thread_id not in self.threads:
            return False
        self._put(message, message_sk(message.created_at, message.message_id))
        self._touch(activity)["unread"] = 0
        return True

    def advance_status(self, ref: SidRef, status: str, error_code: str | None) -> bool:
        item = self.messages[(ref.thread_id, ref.message_sk)]
        if item["status_rank"] >= STATUS_RANKS[status]:
            return False
        item.update(status=status, status_rank=STATUS_RANKS[status])
        if error_code:
            item["error_code"] = error_code
        return True

    def get_thread(self, thread_id: str) -> dict[str, Any] | None:
        return self.threads.get(thread_id)

    def mark_read(self, thread_id: str) -> dict[str, Any] | None:
        thread = self.threads.get(thread_id)
        if thread is not None:
            thread["unread"] = 0
        return thread

    def list_threads(self, limit: int, cursor: str | None) -> Page:
        ordered = sorted(self.threads.values(), key=lambda t: t["last_activity_at"], reverse=True)
        return Page(items=ordered[:limit], next_cursor=None)

    def list_messages(self, thread_id: str, limit: int, cursor: str | None) -> Page:
        ordered = sorted(((sk, m) for (t, sk), m in self.messages.items() if t == thread_id), reverse=True)
        return Page(
            items=[m for _, m in ordered[:limit]], next_cursor="older" if len(ordered) > limit else None
        )

    def _put(self, message: Message, sk: str) -> None:
        item = message.model_dump(mode="json")
        item["status_rank"] = rank_of(message.status) or 0
        self.messages[(message.thread_id, sk)] = item

    def _touch(self, activity: ThreadActivity) -> dict[str, Any]:
        thread = self.threads.setdefault(
            activity.thread_id,
            {
                "thread_id": activity.thread_id,
                "resident": {"address": activity.resident.value, "channel": activity.resident.channel},
                "channel": activity.resident.channel,
                "status": "open",
                "created_at": activity.at,
                "unread": 0,
            },
        )
        thread.update(
            last_activity_at=activity.at,
            last_message_preview=activity.preview,
            last_direction=activity.direction,
        )
        if activity.agency_address:
            thread["agency_address"] = activity.agency_address
        return thread


class InMemoryArchive:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, int], MediaBlob] = {}

    def has(self, thread_id: str, sid: str, index: int) -> bool:
        return (thread_id, sid, index) in self.objects

    def put(self, thread_id: str, sid: str, index: int, media: MediaBlob) -> None:
        self.objects[(thread_id, sid, index)] = media

    def get(self, thread_id: str, sid: str, index: int) -> MediaBlob | None:
        return self.objects.get((thread_id, sid, index))


class ScriptedMediaSource:
    """Serves a phone's JPEG (tests.photo_samples: Exif, GPS, XMP, ICC, comment) for every URL unless `served`
    names other media for it, or fails as scripted."""

    def __init__(
        self, failures: dict[str, Exception] | None = None, served: dict[str, MediaBlob] | None = None
    ) -> None:
        self.failures = failures or {}
        self.served = served or {}
        self.urls: list[str] = []

    def download(self, url: str) -> MediaBlob:
        self.urls.append(url)
        if url in self.failures:
            raise self.failures[url]
        return self.served.get(url) or MediaBlob(photo_samples.jpeg_with_everything(), "image/jpeg")


class InMemoryReplyQueue:
    def __init__(self) -> None:
        self.jobs: list[tuple[str, str, str]] = []

    def enqueue(self, thread_id: str, message_id: str, message_sk: str) -> None:
        self.jobs.append((thread_id, message_id, message_sk))


@dataclass
class InMemoryReplyStore:
    replies: dict[str, PendingReply] = field(default_factory=dict)
    sent: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    claims: dict[str, tuple[str, str]] = field(default_factory=dict)  # message_sk -> (token, at)

    def load_reply(self, thread_id: str, message_sk: str) -> PendingReply | None:
        return self.replies.get(message_sk)

    def record_sent(self, reply: PendingReply, sid: str, status: str) -> bool:
        self.sent.append((sid, status))
        self.replies[reply.message_sk] = _replace(reply, twilio_sid=sid, status=status)
        return True

    def record_in_widget(self, reply: PendingReply) -> bool:
        self.replies[reply.message_sk] = _replace(reply, status="delivered")
        return True

    def record_rejected(self, reply: PendingReply, error_code: str) -> bool:
        self.rejected.append(error_code)
        self.replies[reply.message_sk] = _replace(reply, status="failed")
        return True

    def claim_send(self, reply: PendingReply, token: str, at: str, stale_before: str) -> bool:
        current = self.replies.get(reply.message_sk)
        held = self.claims.get(reply.message_sk)
        if current is None or current.twilio_sid or (held is not None and held[1] >= stale_before):
            return False
        self.claims[reply.message_sk] = (token, at)
        return True

    def release_send(self, reply: PendingReply, token: str) -> None:
        if self.claims.get(reply.message_sk, ("", ""))[0] == token:
            del self.claims[reply.message_sk]


def _replace(reply: PendingReply, **changes: Any) -> PendingReply:
    import dataclasses

    return dataclasses.replace(reply, **changes)


class ScriptedGateway:
    """Answers each send from a script: a SentSms, or an exception to raise."""

    def __init__(self, *answers: SentSms | Exception) -> None:
        self.answers = list(answers) or [SentSms(sid="SM" + "0" * 32, status="queued")]
        self.sends: list[dict[str, Any]] = []

    def send(self, *, to: str, sender: Sender, body: str) -> SentSms:
        self.sends.append({"to": to, "sender": sender, "body": body})
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


OPTED_OUT = RecipientRejected(code="21610", http_status=400)


class InMemoryConsent:
    """The consent ledger and state, with the table's rules: a ledger entry is written once, the state moves
    by optimistic version."""

    def __init__(self, topics: tuple[Topic, ...] = ()) -> None:
        self.ledger: dict[tuple[str, str], ConsentChange] = {}
        self.states: dict[str, ConsentState] = {}
        self.flags: list[tuple[str, str]] = []
        self._topics = topics

    def load_state(self, address: str) -> ConsentState:
        return self.states.get(address, ConsentState(address=address))

    def applied(self, address: str, at: str, source_id: str) -> bool:
        prefix = consent_ledger_sk(at, source_id, "")
        return any(a == address and sk.startswith(prefix) for a, sk in self.ledger)

    def record(self, changes: Sequence[ConsentChange], before: ConsentState, after: ConsentState) -> bool:
        first = changes[0]
        if (first.address, consent_ledger_sk(first.at, first.source_id, first.ledger_key)) in self.ledger:
            return False
        if self.load_state(after.address).version != before.version:
            raise TransactionConflict("state moved")
        for change in changes:
            self.ledger[
                (change.address, consent_ledger_sk(change.at, change.source_id, change.ledger_key))
            ] = change
        self.states[after.address] = after
        return True

    def topics(self) -> tuple[Topic, ...]:
        return self._topics

    def flag_thread(self, thread_id: str, flag: str, at: str) -> bool:
        self.flags.append((thread_id, flag))
        return True

    # the sender's side
    def may_send(self, address: str, topic: str | None) -> bool:
        return self.load_state(address).may_receive(topic)

    def record_carrier_opt_out(self, address: str, channel: Channel, at: str, source_id: str) -> None:
        from inbox.logic.consent_changes import ConsentGate

        ConsentGate(self).record_carrier_opt_out(address, channel, at, source_id)


class RecordedReplies:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []  # (inbound sid, reply body)

    def send(self, text: InboundText, body: str, *, purpose: str = "answer") -> None:
        self.sent.append((text.sid, body))
