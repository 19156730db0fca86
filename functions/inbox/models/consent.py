"""Consent and subscriptions: the ledger's entries and a resident's current state (docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from switchboard.phone import Channel

ALL_TOPICS = "ALL"
# text_request: a caller asked the IVR to continue by text (changes no subscription; a STOP still stands).
ConsentAction = Literal["opt_in", "opt_out", "set_zone", "text_request"]
# Where a consent change came from; `source_id` names the record (a MessageSid, a sent message id, ...).
ConsentSource = Literal[
    "keyword",
    "carrier_error",
    "signup",
    "import",
    "staff",
    "ivr",
    "unsubscribe_link",
    "email_bounce",
    "email_complaint",
]
# How a resident gets alerts (issue 22): texts on their own channel, a voice call to the number, an email.
AlertChannel = Literal["sms", "voice", "email"]
ALERT_CHANNELS: tuple[AlertChannel, ...] = ("sms", "voice", "email")
TEXTS_ONLY: frozenset[str] = frozenset({"sms"})
# A zone a resident gets alerts for: "zip:94110", or "area:<id>": one of the agency's neighbourhood polygons.
ZONE_PREFIXES = ("zip:", "area:")
AWAITING_ZIP = "zip"
AWAITING_EMAIL = "email"  # after the zone: an email address for alerts by email too (optional)


@dataclass(frozen=True)
class ConsentChange:
    """One ledger entry. The ledger is append-only: a change is never edited, a later one supersedes it."""

    address: str
    channel: Channel
    topic: str  # ALL_TOPICS or a topic code
    action: ConsentAction
    at: str
    source: ConsentSource
    source_id: str
    zone: str | None = None
    # set_zone from an address or a point: every zone containing it (`zone` is then the first of them).
    zones: tuple[str, ...] = ()
    # Imports: where the agency got this consent ("paper form 2026-10-01") and who imported it (staff sub).
    provenance: str | None = None
    actor_sub: str | None = None
    # An alert channel's own consent (topic ALL_TOPICS): opting in or out of alerts by voice call or email,
    # or of texts while keeping another channel. None: the entry is about topics (a keyword, a sign-up).
    medium: AlertChannel | None = None
    email: str | None = None  # the address an email opt-in is for

    @property
    def ledger_key(self) -> str:
        """What this entry is about, unique within one source: the topic, and the channel when it has one."""
        return f"{self.topic}#{self.medium}" if self.medium else self.topic

    @property
    def zones_set(self) -> tuple[str, ...]:
        return self.zones or ((self.zone,) if self.zone else ())


@dataclass(frozen=True)
class ConsentState:
    """What the ledger adds up to for one resident, kept beside it so a send can check it with one read."""

    address: str
    opted_out_all: bool = False
    topics: frozenset[str] = field(default_factory=frozenset)  # subscribed, and sent alerts
    stopped_topics: frozenset[str] = field(default_factory=frozenset)
    suspended_topics: frozenset[str] = field(default_factory=frozenset)  # by a STOP; START brings them back
    zones: tuple[str, ...] = ()
    language: str | None = None  # what alerts should be written in (sign-up page), e.g. "es"
    awaiting: str | None = None  # the prompt the resident was last asked, e.g. for a ZIP code
    version: int = 0  # optimistic lock: each write moves it on by one
    updated_at: str | None = None
    channels: frozenset[str] = TEXTS_ONLY  # the alert channels chosen (AlertChannel values)
    email: str | None = None  # where email alerts go, while "email" is among `channels`

    def alerts_by(self, medium: str) -> bool:
        """Has the resident chosen this alert channel (and, for email, given an address)?"""
        return medium in self.channels and (medium != "email" or bool(self.email))

    def may_receive(self, topic: str | None) -> bool:
        """May this resident be sent a non-transactional message (on `topic`, if it has one)?"""
        if self.opted_out_all:
            # Out of everything, except topics joined explicitly since ("JOIN WATER" after STOP).
            return topic is not None and topic in self.topics
        return topic is None or topic not in self.stopped_topics


@dataclass(frozen=True)
class Topic:
    code: str  # "WATER": what residents type
    name: str  # "Water service": what staff and the HELP reply show
    # The topic in other languages: (lang, the word residents type, the name they read), e.g.
    # ("es", "AGUA", "servicio de agua"). The code works in every language.
    local: tuple[tuple[str, str, str], ...] = ()

    def word_in(self, lang: str | None) -> str:
        return next((word for where, word, _ in self.local if where == lang), self.code)

    def name_in(self, lang: str | None) -> str:
        return next((name for where, _, name in self.local if where == lang), self.name)
