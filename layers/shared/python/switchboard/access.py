"""The one authorization rule for staff routes (docs/architecture.md, "Auth").

A request is allowed when, in this order:
1. the caller is signed in (the JWT authorizer's claims name a subject);
2. the caller is not disabled (their staff profile, read per request through a cache of a few seconds);
3. the caller's highest role is at least the route's (admin ⊇ supervisor ⊇ agent; a route needing None, only
   /api/me, is open to any signed-in user, even in no staff group);
4. for a route on one thread: an admin sees every thread; a supervisor every thread when the agency's
   supervisor scope is "all" (the default), else like an agent; an agent the threads of their departments and
   the threads assigned to them. A thread without a department (not routed yet) is the supervisors' to route.

`authorize` is pure (no I/O, no clock), so every branch is tested and mutation-tested on its own; the thread
list, counts and search ask `department_scope` for the same answer as index partitions to read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from switchboard.roles import Role, highest_role

SupervisorScope = Literal["all", "departments"]
_RANK: dict[Role, int] = {"agent": 0, "supervisor": 1, "admin": 2}


@dataclass(frozen=True)
class StaffMember:
    """Who is asking: the JWT's subject and groups, with the departments and `enabled` of their profile."""

    sub: str
    groups: tuple[str, ...]
    departments: frozenset[str]
    disabled: bool

    @property
    def role(self) -> Role | None:
        return highest_role(self.groups)


@dataclass(frozen=True)
class ThreadScope:
    """What the rule needs to know of a thread: its department and who holds it."""

    department_id: str | None
    assignee: str | None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    status: int  # the HTTP status a refusal answers (200 when allowed)


ALLOWED = Decision(True, "allowed", 200)


def _refuse(reason: str, status: int = 403) -> Decision:
    return Decision(False, reason, status)


def authorize(
    staff: StaffMember | None,
    needed: Role | None,
    thread: ThreadScope | None = None,
    supervisor_scope: SupervisorScope = "all",
) -> Decision:
    """May `staff` call a route that needs `needed` (on `thread`, when the route is about one thread)?"""
    if staff is None or not staff.sub:
        return _refuse("not signed in", 401)
    if staff.disabled:
        return _refuse("staff member is disabled")
    if needed is None and thread is None:
        return ALLOWED  # /api/me: who am I, even in no staff group
    role = staff.role
    if role is None:
        return _refuse("no staff role")
    if needed is not None and _RANK[role] < _RANK[needed]:
        return _refuse(f"needs role {needed}")
    if thread is None:
        return ALLOWED
    if department_scope(staff, supervisor_scope) is None:
        return ALLOWED
    if thread.assignee is not None and thread.assignee == staff.sub:
        return ALLOWED
    if thread.department_id is not None and thread.department_id in staff.departments:
        return ALLOWED
    return _refuse("thread outside your departments")


def department_scope(staff: StaffMember, supervisor_scope: SupervisorScope = "all") -> frozenset[str] | None:
    """The departments whose threads `staff` may see (besides those assigned to them); None = every thread."""
    role = staff.role
    if role == "admin" or (role == "supervisor" and supervisor_scope == "all"):
        return None
    return staff.departments


def visible(
    staff: StaffMember, threads: Iterable[ThreadScope], supervisor_scope: SupervisorScope = "all"
) -> list[bool]:
    """For a list read another way (search, the legacy thread list): which of `threads` the caller may see."""
    return [authorize(staff, "agent", thread, supervisor_scope).allowed for thread in threads]
