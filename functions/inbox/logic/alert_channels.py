"""A resident's alert channels (texts, voice calls, email: issue 22) moved through the consent ledger: one
entry per channel that changes, so the ledger says when and how each channel was chosen or given up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from inbox.models.consent import ALERT_CHANNELS, ALL_TOPICS, ConsentChange, ConsentState


def channel_changes(
    before: ConsentState, chosen: Iterable[str], email: str | None, *, template: ConsentChange
) -> list[ConsentChange]:
    """Entries taking `before`'s channels to `chosen` (email with `email`), each a copy of `template` (its
    address, source, time and provenance) about one channel. None when nothing changes."""
    wanted = frozenset(chosen)
    changes: list[ConsentChange] = []
    for medium in ALERT_CHANNELS:
        base = replace(template, topic=ALL_TOPICS, zone=None, zones=(), medium=medium, email=None)
        if medium in wanted:
            new_email = email if medium == "email" else None
            if medium not in before.channels or (new_email and new_email != before.email):
                changes.append(replace(base, action="opt_in", email=new_email))
        elif medium in before.channels:
            changes.append(replace(base, action="opt_out"))
    return changes
