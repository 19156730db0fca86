"""Presence and auto-assignment (docs/architecture.md, "Presence and routing").

A new thread gets a department from the routing rules, then goes to the available member of that department
with the lowest current load (round robin among equals: the one assigned longest ago), never past their cap
(default 6). The cap is a condition on the agent's presence item (`size(assigned) < cap`) inside the same
transaction that sets the thread's assignee, so concurrent routings cannot exceed it. `assigned` is pruned
against the threads themselves (strongly consistent reads) before each choice, so a thread closed, transferred
or unassigned by anyone stops counting without that writer knowing about presence.

Nobody is assigned while away or offline; going offline hands the agent's open threads back to their
department's queue; becoming available pulls the oldest waiting queued threads of their departments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from inbox.models.records import AUTOMATIC_STATUS
from switchboard.observability import logger

from routing.logic.rules import NewThread, choose_department, detect_language
from routing.models.routing import DEFAULT_CAP, Presence, PresenceState, RoutingRule

__all__ = ["NewThread", "Routing", "RoutingStore"]


class RoutingStore(Protocol):
    def rules(self) -> list[dict[str, Any]]: ...
    def department_members(self, department_id: str) -> list[str]: ...
    def staff_departments(self, sub: str) -> list[str]: ...
    def presence(self, subs: list[str]) -> dict[str, dict[str, Any]]: ...
    def set_presence(self, sub: str, presence: str, cap: int | None, at: str) -> dict[str, Any]: ...
    def forget_assigned(self, sub: str, thread_ids: set[str]) -> None: ...
    def thread(self, thread_id: str) -> dict[str, Any] | None: ...
    def threads(self, thread_ids: list[str]) -> list[dict[str, Any]]: ...
    def set_department(self, thread_id: str, department_id: str, language: str | None) -> bool: ...
    def assign(self, thread_id: str, sub: str, cap: int, at: str) -> str: ...
    def unassign(self, thread_id: str, sub: str) -> bool: ...
    def open_threads_of(self, sub: str) -> list[str]: ...
    def queued(self, department_id: str, limit: int) -> list[str]: ...


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Routing:
    store: RoutingStore
    now: Callable[[], str] = _now
    notify: Callable[[str, dict[str, Any]], None] = field(default=lambda kind, detail: None)

    # --- load ----------------------------------------------------------------------------------------------

    def _live_load(self, sub: str, presence: dict[str, Any]) -> set[str]:
        """The threads routed to `sub` that are still open with them; forgets the others."""
        held = {str(t) for t in presence.get("assigned") or set()}
        if not held:
            return held
        live = {
            str(t["thread_id"])
            for t in self.store.threads(sorted(held))
            if t.get("assignee") == sub and t.get("status", "open") == "open"
        }
        if held - live:
            self.store.forget_assigned(sub, held - live)
        return live

    def candidates(self, department_id: str) -> list[tuple[str, int]]:
        """Available members under their cap: (sub, cap), lowest load first, then longest since assigned."""
        members = self.store.department_members(department_id)
        presence = self.store.presence(members)
        ranked: list[tuple[int, str, str, int]] = []
        for sub in members:
            state = presence.get(sub)
            if not state or state.get("presence") != "available":
                continue
            cap = int(state.get("cap") or DEFAULT_CAP)
            load = len(self._live_load(sub, state))
            if load < cap:
                ranked.append((load, str(state.get("last_assigned_at") or ""), sub, cap))
        ranked.sort()
        return [(sub, cap) for _, _, sub, cap in ranked]

    # --- routing a thread ----------------------------------------------------------------------------------

    def route_thread(self, thread_id: str, first_message: NewThread | None = None) -> str | None:
        """Give the thread a department (if it has none) and, if it is open, an available agent (if it has
        none). The agent's sub, or None when it waits in its department's queue. A conversation automation
        handled (status "automatic") gets its department, so that its department's staff can find it, and
        nobody."""
        thread = self.store.thread(thread_id)
        if thread is None or thread.get("assignee"):
            return None
        if thread.get("status", "open") not in ("open", AUTOMATIC_STATUS):
            return None
        department = thread.get("department_id")
        if not department and first_message is not None:
            rules = [RoutingRule.model_validate(r) for r in self.store.rules()]
            language = detect_language(first_message.body)
            chosen = choose_department(rules, first_message, language)
            if chosen is None:
                return None
            if self.store.set_department(thread_id, chosen, language):
                self.notify("routed", {"thread_id": thread_id, "department_id": chosen})
            fresh = self.store.thread(thread_id)  # a concurrent routing may have chosen first
            department = fresh.get("department_id") if fresh else None
        if not department or thread.get("status", "open") != "open":
            return None
        return self._assign_in(thread_id, str(department))

    def _assign_in(self, thread_id: str, department: str) -> str | None:
        for sub, cap in self.candidates(department):
            outcome = self.store.assign(thread_id, sub, cap, self.now())
            if outcome == "assigned":
                logger.info("Thread auto-assigned", extra={"thread_id": thread_id, "department": department})
                self.notify(
                    "assigned", {"thread_id": thread_id, "assignee": sub, "department_id": department}
                )
                return sub
            if outcome == "thread_taken":
                return None
        logger.info("Thread queued: no available agent under cap", extra={"thread_id": thread_id})
        return None

    # --- presence ------------------------------------------------------------------------------------------

    def set_presence(self, sub: str, presence: Presence, cap: int | None = None) -> PresenceState:
        state = self.store.set_presence(sub, presence, cap, self.now())
        returned = assigned = 0
        if presence == "offline":
            returned = self._return_to_queue(sub, state)
        elif presence == "available":
            assigned = self._pull_from_queues(sub)
            state = self.store.presence([sub]).get(sub, state)
        load = len(self._live_load(sub, state)) if presence != "offline" else 0
        return PresenceState(
            sub=sub,
            presence=presence,
            cap=int(state.get("cap") or DEFAULT_CAP),
            load=load,
            updated_at=str(state.get("updated_at")),
            returned_to_queue=returned,
            assigned_now=assigned,
        )

    def presence_of(self, sub: str) -> PresenceState:
        state = self.store.presence([sub]).get(sub) or {"presence": "offline"}
        return PresenceState(
            sub=sub,
            presence=state.get("presence", "offline"),
            cap=int(state.get("cap") or DEFAULT_CAP),
            load=len(self._live_load(sub, state)),
            updated_at=state.get("updated_at"),
        )

    def _return_to_queue(self, sub: str, state: dict[str, Any]) -> int:
        held = {str(t) for t in state.get("assigned") or set()} | set(self.store.open_threads_of(sub))
        returned = 0
        for thread_id in sorted(held):
            if self.store.unassign(thread_id, sub):
                returned += 1
                self.notify("returned", {"thread_id": thread_id, "from": sub})
        self.store.forget_assigned(sub, held)
        # Hand them on to colleagues who are available; what nobody can take waits in the queue.
        for thread_id in sorted(held):
            thread = self.store.thread(thread_id)
            if thread and thread.get("department_id") and not thread.get("assignee"):
                self._assign_in(thread_id, str(thread["department_id"]))
        logger.info("Agent went offline: threads returned to the queue", extra={"returned": returned})
        return returned

    def _pull_from_queues(self, sub: str) -> int:
        self._live_load(sub, self.store.presence([sub]).get(sub) or {})  # forget threads no longer theirs
        assigned = 0
        for department in self.store.staff_departments(sub):
            for thread_id in self.store.queued(department, limit=DEFAULT_CAP):
                state = self.store.presence([sub]).get(sub) or {}
                cap = int(state.get("cap") or DEFAULT_CAP)
                outcome = self.store.assign(thread_id, sub, cap, self.now())
                if outcome == "assigned":
                    assigned += 1
                    self.notify(
                        "assigned", {"thread_id": thread_id, "assignee": sub, "department_id": department}
                    )
                elif outcome == "agent_full":
                    return assigned
        return assigned
