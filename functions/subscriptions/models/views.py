"""Consent as the agent API shows it to supervisors."""

from __future__ import annotations

from inbox.models.consent import ConsentChange, ConsentState
from pydantic import BaseModel


class ConsentEntry(BaseModel):
    topic: str
    action: str
    at: str
    channel: str
    source: str
    source_id: str
    zone: str | None = None
    zones: list[str] = []
    provenance: str | None = None
    actor_sub: str | None = None

    @classmethod
    def of(cls, change: ConsentChange) -> ConsentEntry:
        return cls(
            topic=change.topic,
            action=change.action,
            at=change.at,
            channel=change.channel,
            source=change.source,
            source_id=change.source_id,
            zone=change.zone,
            zones=list(change.zones),
            provenance=change.provenance,
            actor_sub=change.actor_sub,
        )


class ConsentSummary(BaseModel):
    opted_out_all: bool
    topics: list[str]
    stopped_topics: list[str]
    suspended_topics: list[str]
    zones: list[str]
    language: str | None = None
    updated_at: str | None

    @classmethod
    def of(cls, state: ConsentState) -> ConsentSummary:
        return cls(
            opted_out_all=state.opted_out_all,
            topics=sorted(state.topics),
            stopped_topics=sorted(state.stopped_topics),
            suspended_topics=sorted(state.suspended_topics),
            zones=list(state.zones),
            language=state.language,
            updated_at=state.updated_at,
        )


class ThreadConsent(BaseModel):
    """The resident of one thread: where their consent stands now, and the ledger behind it (newest first)."""

    thread_id: str
    state: ConsentSummary
    history: list[ConsentEntry]
