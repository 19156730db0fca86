"""The inbox's views, counts and search as the agent API returns them (docs/architecture.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from inbox.models.conversations import Thread

View = Literal["mine", "unassigned", "departments", "all"]
VIEWS: tuple[View, ...] = ("mine", "unassigned", "departments", "all")
# automatic: conversations whose every text a keyword flow answered (inbox.logic.automatic_handling)
StatusFilter = Literal["open", "snoozed", "closed", "automatic", "any"]
# urgent: "Most urgent first", critical, then high, then normal, each oldest waiting first (functions/triage)
Sort = Literal["newest", "oldest_waiting", "urgent"]


class InboxThread(Thread):
    """A thread in a list: the workspace fields, and since when the resident has been waiting for staff."""

    assignee: str | None = None
    department_id: str | None = None
    labels: list[str] = Field(default_factory=list)
    snoozed_until: str | None = None
    resident_name: str | None = None
    waiting_since: str | None = None  # the resident's first message staff have not answered yet
    alert_reply_id: str | None = None  # the resident wrote in answer to this alert (its group)
    alert_reply_title: str | None = None


class InboxPage(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, see conversations.py

    view: View
    threads: list[InboxThread]
    next_cursor: str | None


class ViewCount(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, see conversations.py

    count: int
    capped: bool  # True: at least `count` ("1000+")


class InboxCounts(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, see conversations.py

    status: StatusFilter
    counts: dict[str, ViewCount]


class SearchResults(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, see conversations.py

    query_kind: Literal["phone", "words"]
    threads: list[InboxThread]
    more: bool  # the search stopped at its limit: narrow it
