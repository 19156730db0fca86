"""Consent and subscriptions: the ledger's entries and a resident's current state (docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from switchboard.phone import Channel

ALL_TOPICS = "ALL"
# text_request: a caller asked the IVR to continue by text (changes no subscription; a STOP still stands).
ConsentAction = Literal["opt_in", "opt_out", "set_zone", "text_request"]
# Where a consent change came from; `source_id` names the record (a MessageSid, a sent message id, ...).
ConsentSource = Literal["keyword", "carrier_error", "signup", "import", "staff", "ivr"]
# A zone a resident gets alerts for: "zip:94110", or "area:<id>": one of the agency's neighbourhood polygons.
ZONE_PREFIXES = ("zip:", "area:")
AWAITING_ZIP = "zip"


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
