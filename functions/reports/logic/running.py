"""Running counts: what is true now (conversations open, residents waiting for staff and since when), kept
by the recorder in the same transaction as the per-day cells, so a report reads a few counter items instead
of counting threads.

A conversation's *presence* is where it is counted now: open or not, waiting since when, under which
department, channel and agent. The conversation's state remembers the presence it was counted with; every
event computes the new one, and the difference becomes the writes: -1 where it was, +1 where it is now (the
shard's total and the agent's cell of each scope), the day's `open_delta` (the backlog walks back over it),
and the waiting item of each scope deleted or put. Moving a conversation to another agent or department, or
answering it, is one such difference, counted once with the event's marker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from switchboard.report_keys import (
    ALL_SCOPE,
    NONE,
    agent_cell_sk,
    day_cell_sk,
    gauge_agent_sk,
    gauge_pk,
    gauge_total_sk,
    report_pk,
    waiting_pk,
    waiting_sk,
)

CellKey = tuple[str, str]


def scopes_of(department: str | None, channel: str) -> list[str]:
    """The scopes an event of this department and channel counts in: all, the department, the channel,
    both."""
    dept, chan = f"d={department or NONE}", f"c={channel}"
    return [ALL_SCOPE, dept, chan, f"{dept}|{chan}"]


@dataclass(frozen=True)
class Presence:
    """Where an open conversation is counted now (a closed or automatically handled one is counted
    nowhere: no Presence)."""

    department: str | None
    channel: str
    agent: str | None
    waiting_since: str | None

    def to_item(self) -> dict[str, str]:
        item = {"channel": self.channel}
        for name in ("department", "agent", "waiting_since"):
            value = getattr(self, name)
            if value:
                item[name] = value
        return item

    @classmethod
    def from_item(cls, item: Mapping[str, Any] | None) -> Presence | None:
        if not item:
            return None
        return cls(
            department=_text(item.get("department")),
            channel=str(item["channel"]),
            agent=_text(item.get("agent")),
            waiting_since=_text(item.get("waiting_since")),
        )


def _text(value: Any) -> str | None:
    return str(value) if value else None


@dataclass
class Moves:
    """The writes that move a conversation's running counts: ADDs on cells, waiting items put and deleted."""

    counts: dict[CellKey, dict[str, int]] = field(default_factory=dict)
    puts: dict[CellKey, dict[str, Any]] = field(default_factory=dict)
    deletes: set[CellKey] = field(default_factory=set)

    def add(self, key: CellKey, counters: Mapping[str, int]) -> None:
        into = self.counts.setdefault(key, {})
        for name, value in counters.items():
            into[name] = into.get(name, 0) + value
            if into[name] == 0:
                del into[name]
        if not into:
            del self.counts[key]


def _count(moves: Moves, presence: Presence, sign: int, day: str, shard: int, thread_id: str) -> set[CellKey]:
    """Add `sign` where `presence` counts; the keys of its waiting items."""
    agent = presence.agent or NONE
    now = {"open": sign, **({"waiting": sign} if presence.waiting_since else {})}
    waiting: set[CellKey] = set()
    for scope in scopes_of(presence.department, presence.channel):
        pk, gauges = report_pk(scope), gauge_pk(scope)
        moves.add((gauges, gauge_total_sk(shard)), now)
        moves.add((gauges, gauge_agent_sk(agent)), now)
        moves.add((pk, day_cell_sk(day, shard)), {"open_delta": sign})
        moves.add((pk, agent_cell_sk(day, agent)), {"open_delta": sign})
        if presence.waiting_since:
            sk = waiting_sk(presence.waiting_since, thread_id)
            waiting |= {(waiting_pk(scope, who), sk) for who in (None, agent)}
    return waiting


def moves_between(
    before: Presence | None, after: Presence | None, *, thread_id: str, day: str, shard: int
) -> Moves:
    """The writes that take a conversation from counted as `before` to counted as `after` (None: counted
    nowhere), on `day`, in the conversation's `shard`."""
    moves = Moves()
    if before == after:
        return moves
    gone = _count(moves, before, -1, day, shard, thread_id) if before else set()
    came = _count(moves, after, +1, day, shard, thread_id) if after else set()
    moves.deletes = gone - came
    for pk, sk in came - gone:
        moves.puts[(pk, sk)] = {"pk": pk, "sk": sk, "since": after.waiting_since if after else ""}
    return moves
