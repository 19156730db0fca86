"""Counting as data arrives: each event a consumer or route sees becomes ADDs on the day's cells, once.

The consumers call these (wired by the app): the inbound pipeline's reports step for every stored resident
message, the agent API after a staff reply, a close, a reopen or an assignment, the status pipeline for an
alert text's delivery status, and the feedback domain for surveys and ratings. A conversation is open from a
resident's message (or a reopen) until it is closed; every close counts a resolution, so a reopened
conversation that is closed again counts a second one. First response is the first staff reply after the
resident's first message; automatic replies never pass through here (they are not staff replies).
"""

from __future__ import annotations

import hashlib
import time as clock
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from switchboard.observability import logger
from switchboard.report_keys import (
    ALERTS_SCOPE,
    ALL_SCOPE,
    NONE,
    agent_cell_sk,
    day_cell_sk,
    department_cell_sk,
    report_pk,
    sealed_pk,
    shard_of,
    version_sk,
)

from reports.dal.report_table import MARKER_TTL_S, DuplicateEvent, StaleState
from reports.logic.durations import Hours, bucket, business_seconds, calendar_seconds
from reports.logic.running import Presence, moves_between, scopes_of

RETRIES = 4
REPORT_PREFIX = report_pk("")
CALL_FIGURES = ("answered", "deflected", "callback_booked")
Counts = dict[tuple[str, str], dict[str, int]]

# Counters that also go to the per-department cells (volume); the others stay on day and agent cells.
DEPARTMENT_COUNTERS = frozenset({"messages_in", "opened", "reopened", "resolved", "replies"})


class ReportStore(Protocol):
    def conversation_state(self, thread_id: str) -> dict[str, Any] | None: ...

    def record(
        self,
        event_id: str,
        expires_at: int,
        counts: Mapping[tuple[str, str], Mapping[str, int]],
        *,
        state: dict[str, Any] | None = None,
        previous_version: int | None = None,
        puts: Collection[Mapping[str, Any]] = (),
        deletes: Collection[tuple[str, str]] = (),
    ) -> None: ...


# How automation left a resident's message (the inbound pipeline's facts): "staff" it waits for staff;
# "answered" a keyword flow answered it (nobody waits for it); "automatic" the whole conversation is handled
# automatically (out of every staff view: not open for staff); "held" it answers an automatic prompt (a
# survey's rating): stored without reopening the conversation or making anyone wait.
Handling = Literal["staff", "answered", "automatic", "held"]


@dataclass(frozen=True)
class Dims:
    """Who and where an event is counted for: the thread's department, channel, and the agent."""

    department: str | None
    channel: str
    agent: str | None

    @classmethod
    def of_thread(cls, thread: Mapping[str, Any] | None, agent: str | None = None) -> Dims:
        thread = thread or {}
        resident = thread.get("resident") or {}
        channel = str(thread.get("channel") or resident.get("channel") or "sms")
        assignee = agent if agent is not None else thread.get("assignee")
        return cls(thread.get("department_id") or None, channel, str(assignee) if assignee else None)

    def scopes(self) -> list[str]:
        return scopes_of(self.department, self.channel)


def parse_instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def utc_day(moment: datetime) -> str:
    return moment.astimezone(UTC).date().isoformat()


def cell_counts(dims: Dims, day: str, shard: int, counters: Mapping[str, int]) -> Counts:
    """The cells one event adds `counters` to: per scope the day's shard and the agent's cell; per channel
    scope the department's cell (volume only)."""
    counts: Counts = {}
    agent = dims.agent or NONE
    for scope in dims.scopes():
        counts[(report_pk(scope), day_cell_sk(day, shard))] = dict(counters)
        agent_counters = {k: v for k, v in counters.items() if not k.startswith("w")}
        counts[(report_pk(scope), agent_cell_sk(day, agent))] = agent_counters
    volume = {k: v for k, v in counters.items() if k in DEPARTMENT_COUNTERS}
    if volume:
        for scope in (ALL_SCOPE, f"c={dims.channel}"):
            counts[(report_pk(scope), department_cell_sk(day, dims.department or NONE))] = volume
    return counts


def with_versions(counts: Counts) -> Counts:
    """`counts` plus 1 on the day version of every scope and day whose day or agent cells it adds to: a
    sealed summary of that day (reports.logic.sealed) then knows it misses this event."""
    versions: Counts = {}
    for pk, sk in counts:
        kind, _, rest = sk.partition("#")
        if pk.startswith(REPORT_PREFIX) and kind in ("D", "A"):
            versions[(sealed_pk(pk.removeprefix(REPORT_PREFIX)), version_sk(rest.split("#")[0]))] = {"v": 1}
    return {**counts, **versions}


class ReportRecorder:
    def __init__(
        self,
        store: ReportStore,
        hours: Hours | None,
        zone: ZoneInfo,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._hours = hours
        self._zone = zone  # the agency's: the weekday x hour heatmap is in its local time
        self._now = now

    # --- conversations ---------------------------------------------------------------------------------

    def message_received(
        self, thread_id: str, event_id: str, at: str, dims: Dims, handled: Handling = "staff"
    ) -> None:
        """A resident's message stored in a thread: counted once per message; opens (or reopens) the
        conversation when it was not open, and the resident waits for staff from their first unanswered
        message (as the inbox's `waiting_since`), unless automation answered it."""
        moment = parse_instant(at)
        local = moment.astimezone(self._zone)
        base = {"messages_in": 1, f"w{local.weekday()}h{local.hour:02d}": 1}
        phase = "automatic" if handled == "automatic" else "open"

        def waits(state: dict[str, Any]) -> dict[str, Any]:
            if handled != "staff" or state.get("waiting_since"):
                return state
            return {**state, "waiting_since": at}

        def change(state: dict[str, Any] | None) -> tuple[dict[str, int], dict[str, Any] | None]:
            if state is None:
                opened = {"thread_id": thread_id, "phase": phase, "opened_at": at, "first_in_at": at}
                return {**base, "opened": 1}, waits({**opened, "responded": False})
            if handled == "held":
                return base, None
            if state.get("phase") == "closed":
                return {**base, "reopened": 1}, waits({**state, "phase": phase, "opened_at": at})
            if state.get("phase") == "automatic" and handled != "automatic":
                return base, waits({**state, "phase": "open"})
            return base, waits(state)

        self._apply(f"in#{event_id}", thread_id, moment, dims, change)

    def staff_replied(self, thread_id: str, event_id: str, at: str, dims: Dims) -> None:
        """A staff member's reply (never an automatic one); the first after the resident's first message
        gives the conversation's first response time, in calendar seconds and in business hours."""
        moment = parse_instant(at)

        def change(state: dict[str, Any] | None) -> tuple[dict[str, int], dict[str, Any] | None]:
            counters = {"replies": 1}
            if state is None:
                return counters, None
            # Staff answered: nobody waits; staff writing in an automatically handled conversation opens it.
            answered = {k: v for k, v in state.items() if k != "waiting_since"}
            if answered.get("phase") == "automatic":
                answered["phase"] = "open"
            if state.get("responded"):
                return counters, answered
            start = parse_instant(str(state["first_in_at"]))
            counters |= self._durations("f", start, moment)
            counters["first_responses"] = 1
            return counters, {**answered, "responded": True}

        # The reply's author gets the reply; the conversation stays counted with its holder.
        self._apply(f"reply#{event_id}", thread_id, moment, dims, change, holder=False)

    def conversation_closed(self, thread_id: str, at: str, dims: Dims) -> None:
        """Closing an open conversation counts one resolution, timed from when it (re)opened."""
        moment = parse_instant(at)

        def change(state: dict[str, Any] | None) -> tuple[dict[str, int], dict[str, Any] | None]:
            if state is None or state.get("phase") != "open":
                return {}, None
            start = parse_instant(str(state["opened_at"]))
            counters = {"resolved": 1, **self._durations("r", start, moment)}
            return counters, {**state, "phase": "closed", "closed_at": at}

        self._apply(f"close#{thread_id}#{at}", thread_id, moment, dims, change)

    def conversation_reopened(self, thread_id: str, at: str, dims: Dims) -> None:
        """Staff reopened a closed conversation: open again from now (its next close resolves it again)."""
        moment = parse_instant(at)

        def change(state: dict[str, Any] | None) -> tuple[dict[str, int], dict[str, Any] | None]:
            if state is None or state.get("phase") != "closed":
                return {}, None
            return {"reopened": 1}, {**state, "phase": "open", "opened_at": at}

        self._apply(f"reopen#{thread_id}#{at}", thread_id, moment, dims, change)

    def assigned(self, thread_id: str, event_id: str, at: str, dims: Dims) -> None:
        """A conversation handed to an agent (by routing, by hand, or by a transfer): their load."""
        if not dims.agent:
            return
        moment = parse_instant(at)
        self._apply(f"assign#{event_id}", thread_id, moment, dims, lambda state: ({"assigned": 1}, state))

    # --- feedback (called by the feedback domain through the app) ------------------------------------

    def survey_sent(
        self, day: str, department: str | None, channel: str, agent: str | None, event_id: str | None = None
    ) -> None:
        dims = Dims(department, channel, agent)
        self._count(f"survey#{event_id or uuid.uuid4().hex}", dims, day, {"csat_sent": 1})

    def rating_received(
        self,
        day: str,
        department: str | None,
        channel: str,
        agent: str | None,
        rating: int,
        has_words: bool,
        event_id: str | None = None,
    ) -> None:
        if not 1 <= rating <= 5:
            raise ValueError("a rating is 1 to 5")
        counters = {"csat_responses": 1, f"csat_r{rating}": 1}
        if has_words:
            counters["csat_words"] = 1
        dims = Dims(department, channel, agent)
        self._count(f"rating#{event_id or uuid.uuid4().hex}", dims, day, counters)

    # --- alerts ------------------------------------------------------------------------------------------

    def alert_status(
        self, alert_id: str, recipient: str, status: str, error_code: str | None, at: str
    ) -> None:
        """A delivery status of an alert's text, counted once per (alert, recipient, figure) on the day it
        arrived. The recipient's address only enters the marker as a digest."""
        figure = alert_figure(status, error_code)
        if figure is None:
            return
        day = utc_day(parse_instant(at))
        who = hashlib.sha256(recipient.encode()).hexdigest()[:32]
        counts = {(report_pk(ALERTS_SCOPE), day_cell_sk(day, shard_of(who))): {figure: 1}}
        self._once(f"alert#{alert_id}#{who}#{figure}", counts)

    # Clicks on an alert's tracked links are counted by the link's own handler, on the alert's figures and
    # the day's alert cell in one transaction (alerts.dal.alerts_table.count_click).

    # --- calls to the agency number (voice) ----------------------------------------------------------------

    def call_event(self, call_sid: str, figure: str, at: str, dims: Dims) -> None:
        """A call answered by the IVR, deflected to text, or that booked a callback: counted once per (call,
        figure) on the day it happened (`calls_answered`, `calls_deflected`, `calls_callback_booked`)."""
        if figure not in CALL_FIGURES:
            raise ValueError(f"unknown call figure {figure}")
        day = utc_day(parse_instant(at))
        self._count(f"call#{call_sid}#{figure}", dims, day, {f"calls_{figure}": 1})

    # --- internals ---------------------------------------------------------------------------------------

    def _durations(self, kind: str, start: datetime, end: datetime) -> dict[str, int]:
        calendar = calendar_seconds(start, end)
        business = business_seconds(start, end, self._hours)
        return {f"{kind}c{bucket(calendar)}": 1, f"{kind}b{bucket(business)}": 1}

    def _expires(self) -> int:
        return int(clock.time()) + MARKER_TTL_S

    def _once(self, event_id: str, counts: Counts) -> None:
        try:
            self._store.record(event_id, self._expires(), with_versions(counts))
        except DuplicateEvent:
            logger.info("Report event counted before", extra={"event": event_id.split("#")[0]})

    def _count(self, event_id: str, dims: Dims, day: str, counters: dict[str, int]) -> None:
        self._once(event_id, cell_counts(dims, day, shard_of(event_id), counters))

    def _apply(
        self,
        event_id: str,
        thread_id: str,
        moment: datetime,
        dims: Dims,
        change: Callable[[dict[str, Any] | None], tuple[dict[str, int], dict[str, Any] | None]],
        *,
        holder: bool = True,
    ) -> None:
        """Read the conversation's state, count the event and move the state (and the running counts with
        it) in one transaction; a state moved meanwhile by another event of the same conversation is read
        again. `holder`: the event's dims say who holds the conversation now (not so for a reply, whose
        agent is its author)."""
        day = utc_day(moment)
        shard = shard_of(thread_id)
        for _ in range(RETRIES):
            state = self._store.conversation_state(thread_id)
            counters, changed = change(state)
            new_state = changed if changed is not None else state
            before = Presence.from_item(state.get("live")) if state else None
            after = _presence(new_state, dims if holder or before is None else before)
            moves = moves_between(before, after, thread_id=thread_id, day=day, shard=shard)
            if new_state is not None and new_state == state and before == after:
                new_state = None  # nothing moved: no state write
            if not counters and new_state is None:
                return
            previous = int(state["version"]) if state is not None and "version" in state else None
            if new_state is not None:
                live = {"live": after.to_item()} if after else {}
                kept = {k: v for k, v in new_state.items() if k != "live"}
                new_state = {**kept, **live, "version": (previous or 0) + 1}
            counts = cell_counts(dims, day, shard, counters)
            for key, moved in moves.counts.items():
                into = counts.setdefault(key, {})
                for name, value in moved.items():
                    into[name] = into.get(name, 0) + value
            try:
                self._store.record(
                    event_id,
                    self._expires(),
                    with_versions(counts),
                    state=new_state,
                    previous_version=previous,
                    puts=list(moves.puts.values()),
                    deletes=sorted(moves.deletes),
                )
                return
            except DuplicateEvent:
                logger.info("Report event counted before", extra={"thread_id": thread_id})
                return
            except StaleState:
                continue
        raise StaleState(thread_id)


def _presence(state: Mapping[str, Any] | None, holder: Dims | Presence) -> Presence | None:
    """Where a conversation in `state` is counted: open ones under their holder's dims, waiting since the
    resident's first unanswered message; others nowhere."""
    if state is None or state.get("phase") != "open":
        return None
    waiting = state.get("waiting_since")
    return Presence(holder.department, holder.channel, holder.agent, str(waiting) if waiting else None)


def alert_figure(status: str, error_code: str | None) -> str | None:
    if error_code == "21610":
        return "opted_out"
    return {
        "sent": "sent",
        "delivered": "delivered",
        "read": "delivered",
        "failed": "failed",
        "undelivered": "failed",
    }.get(status)
