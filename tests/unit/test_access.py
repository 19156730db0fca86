"""The one authorization rule for staff routes (switchboard.access), branch by branch: each case below is
written from docs/architecture.md ("Auth"), so a changed comparison or a dropped check fails one of them."""

from __future__ import annotations

import pytest
from switchboard.access import StaffMember, ThreadScope, authorize, department_scope, visible


def staff(role: str | None, departments: tuple[str, ...] = (), disabled: bool = False) -> StaffMember:
    groups = (role,) if role else ()
    return StaffMember(sub="me", groups=groups, departments=frozenset(departments), disabled=disabled)


WATER_HELD_BY_OTHER = ThreadScope("water", "someone-else")
WATER_UNASSIGNED = ThreadScope("water", None)
HEALTH_MINE = ThreadScope("public-health", "me")
HEALTH_OTHER = ThreadScope("public-health", "someone-else")
UNROUTED = ThreadScope(None, None)


@pytest.mark.parametrize(
    ("who", "needed", "thread", "scope", "allowed", "status", "reason"),
    [
        # signed in
        (None, None, None, "all", False, 401, "not signed in"),
        (StaffMember("", ("admin",), frozenset(), False), "agent", None, "all", False, 401, "not signed in"),
        # not disabled: whatever the role, and even for /api/me
        (staff("admin", disabled=True), None, None, "all", False, 403, "staff member is disabled"),
        (staff("admin", disabled=True), "agent", None, "all", False, 403, "staff member is disabled"),
        # /api/me: any signed-in user
        (staff(None), None, None, "all", True, 200, "allowed"),
        # role
        (staff(None), "agent", None, "all", False, 403, "no staff role"),
        (staff("agent"), "agent", None, "all", True, 200, "allowed"),
        (staff("agent"), "supervisor", None, "all", False, 403, "needs role supervisor"),
        (staff("supervisor"), "supervisor", None, "all", True, 200, "allowed"),
        (staff("supervisor"), "admin", None, "all", False, 403, "needs role admin"),
        (staff("admin"), "admin", None, "all", True, 200, "allowed"),
        (staff("admin"), "agent", None, "all", True, 200, "allowed"),
        # an agent: their departments' threads and those assigned to them
        (staff("agent", ("water",)), "agent", WATER_HELD_BY_OTHER, "all", True, 200, "allowed"),
        (staff("agent", ("water",)), "agent", WATER_UNASSIGNED, "all", True, 200, "allowed"),
        (staff("agent", ("water",)), "agent", HEALTH_MINE, "all", True, 200, "allowed"),
        (
            staff("agent", ("water",)),
            "agent",
            HEALTH_OTHER,
            "all",
            False,
            403,
            "thread outside your departments",
        ),
        (staff("agent", ("water",)), "agent", UNROUTED, "all", False, 403, "thread outside your departments"),
        (staff("agent"), "agent", WATER_UNASSIGNED, "all", False, 403, "thread outside your departments"),
        # a role the thread route needs is checked before the thread
        (
            staff("agent", ("water",)),
            "supervisor",
            WATER_UNASSIGNED,
            "all",
            False,
            403,
            "needs role supervisor",
        ),
        # supervisors: every thread by default; like an agent when scoped to their departments
        (staff("supervisor"), "agent", HEALTH_OTHER, "all", True, 200, "allowed"),
        (staff("supervisor"), "agent", UNROUTED, "all", True, 200, "allowed"),
        (staff("supervisor", ("water",)), "agent", WATER_HELD_BY_OTHER, "departments", True, 200, "allowed"),
        (staff("supervisor", ("water",)), "agent", HEALTH_MINE, "departments", True, 200, "allowed"),
        (
            staff("supervisor", ("water",)),
            "agent",
            HEALTH_OTHER,
            "departments",
            False,
            403,
            "thread outside your departments",
        ),
        # admins: every thread, whatever the supervisor scope
        (staff("admin"), "agent", HEALTH_OTHER, "departments", True, 200, "allowed"),
        (staff("admin"), "agent", UNROUTED, "departments", True, 200, "allowed"),
        # a disabled member's own thread is still refused
        (
            staff("agent", ("water",), disabled=True),
            "agent",
            HEALTH_MINE,
            "all",
            False,
            403,
            "staff member is disabled",
        ),
    ],
)
def test_the_rule(
    who: StaffMember | None,
    needed: str | None,
    thread: ThreadScope | None,
    scope: str,
    allowed: bool,
    status: int,
    reason: str,
) -> None:
    decision = authorize(who, needed, thread, scope)  # type: ignore[arg-type]
    assert (decision.allowed, decision.status, decision.reason) == (allowed, status, reason)


def test_department_scope_is_what_the_views_read() -> None:
    assert department_scope(staff("agent", ("water", "roads"))) == {"water", "roads"}
    assert department_scope(staff("agent")) == frozenset()
    assert department_scope(staff("supervisor", ("water",))) is None
    assert department_scope(staff("supervisor", ("water",)), "departments") == {"water"}
    assert department_scope(staff("admin"), "departments") is None
    # an agent's groups may also hold a lower role: the highest counts
    both = StaffMember("me", ("agent", "admin"), frozenset(), False)
    assert department_scope(both, "departments") is None


def test_visible_keeps_the_threads_the_rule_allows() -> None:
    threads = [WATER_HELD_BY_OTHER, HEALTH_MINE, HEALTH_OTHER, UNROUTED]
    assert visible(staff("agent", ("water",)), threads) == [True, True, False, False]
    assert visible(staff("supervisor"), threads) == [True, True, True, True]
    assert visible(staff("agent", ("water",), disabled=True), threads) == [False] * 4


def test_supervisors_see_every_department_unless_configured_otherwise() -> None:
    assert authorize(staff("supervisor"), "agent", HEALTH_OTHER).allowed
