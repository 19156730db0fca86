"""Values passed between the inbox's logic and its table."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from switchboard.phone import Address

from inbox.models.conversations import Direction


@dataclass(frozen=True)
class ThreadActivity:
    """What one new message changes on its thread."""

    thread_id: str
    resident: Address
    at: str
    preview: str
    direction: Direction
    agency_address: str | None = None
    # A staff reply in a conversation automation handled (AUTOMATIC_STATUS) makes it staff's: open again.
    reopen: bool = False


# A conversation whose every text a keyword flow answered (inbox.logic.automatic_handling): a status of its
# own, so it leaves every staff view and count and is listed by the "Handled automatically" filter.
AUTOMATIC_STATUS = "automatic"


@dataclass(frozen=True)
class SidRef:
    """Where a Twilio SID's message lives."""

    thread_id: str
    message_sk: str
    direction: str
    # An alert's text (functions/alerts): its figures move, not a thread message's status.
    alert_id: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None


def new_id() -> str:
    """Thread and message ids: random, so they reveal nothing about the resident or the order of arrival."""
    return uuid.uuid4().hex
