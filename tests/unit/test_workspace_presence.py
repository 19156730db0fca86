"""Who else is viewing: fresh heartbeats only, never oneself; reads are audited once per window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from inbox.logic import workspace
from inbox.models.conversations import Agent
from switchboard.audit import AuditLog

T0 = datetime(2026, 11, 25, 10, 0, 1, tzinfo=UTC)
ME = Agent(sub="me", email="me@example.gov", groups=["agent"])


class FakeTable:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def put_item(self, Item: dict[str, Any]) -> None:  # noqa: N803 - boto3's name
        self.items[(Item["pk"], Item["sk"])] = Item


class FakeStore:
    def __init__(self) -> None:
        self.viewer_items: list[dict[str, Any]] = []
        self.audit: dict[str, dict[str, Any]] = {}

    def get_thread(self, thread_id: str) -> dict[str, Any] | None:
        return {"thread_id": thread_id}

    def heartbeat(self, thread_id: str, viewer: dict[str, Any], expires_at: int) -> None:
        self.viewer_items = [v for v in self.viewer_items if v["sub"] != viewer["sub"]] + [viewer]

    def viewers(self, thread_id: str) -> list[dict[str, Any]]:
        return list(self.viewer_items)

    def record_once(self, item: dict[str, Any]) -> bool:
        if item["sk"] in self.audit:
            return False
        self.audit[item["sk"]] = item
        return True


def deps(store: FakeStore, now: datetime) -> workspace.WorkspaceDependencies:
    return workspace.WorkspaceDependencies(store=store, audit=AuditLog(FakeTable()), now=lambda: now)  # type: ignore[arg-type]


def test_only_fresh_other_viewers_are_shown() -> None:
    store = FakeStore()
    store.viewer_items = [
        {"sub": "me", "seen_at": "2026-11-25T10:00:00.000000Z", "typing": False},
        {"sub": "fresh", "seen_at": "2026-11-25T09:59:55.000000Z", "typing": True},
        {"sub": "stale", "seen_at": "2026-11-25T09:59:40.000000Z", "typing": False},
    ]

    viewers = workspace.others_viewing(deps(store, T0), ME, "t1")

    assert [(v.sub, v.typing) for v in viewers] == [("fresh", True)]


def test_a_heartbeat_records_me_and_answers_the_others() -> None:
    store = FakeStore()
    other = Agent(sub="other", email="o@example.gov", groups=["agent"])
    workspace.heartbeat(deps(store, T0), other, "t1", typing=True)

    viewers = workspace.heartbeat(deps(store, T0 + timedelta(seconds=5)), ME, "t1", typing=False)

    assert [(v.sub, v.typing) for v in viewers] == [("other", True)]
    later = workspace.others_viewing(deps(store, T0 + timedelta(seconds=30)), ME, "t1")
    assert later == []  # the other agent stopped beating: gone


def test_reading_is_audited_once_per_agent_thread_and_window() -> None:
    workspace._recent_reads.clear()
    store = FakeStore()
    for seconds in (0, 2, 60, 600):
        workspace.record_read(deps(store, T0 + timedelta(seconds=seconds)), ME, "t1")
    workspace.record_read(deps(store, T0 + timedelta(minutes=16)), ME, "t1")
    workspace.record_read(deps(store, T0), ME, "t2")

    assert sorted(store.audit) == [
        "2026-11-25T10:00:00.000000Z#read#t1#me",
        "2026-11-25T10:00:00.000000Z#read#t2#me",
        "2026-11-25T10:15:00.000000Z#read#t1#me",
    ]
