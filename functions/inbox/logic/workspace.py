"""The workspace around threads: departments and colleagues to route to, thread actions (assign, transfer with
a note, internal notes, labels, snooze, close/reopen, canned replies, who else is viewing or typing) and the
audit log that records who did what.

Internal notes are separate items (`NOTE#`), never messages: nothing that lists messages, sends replies or
faces a resident reads them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from switchboard.audit import Actor, AuditAction, AuditEntry, AuditLog
from switchboard.clock import format_timestamp, normalize_timestamp
from switchboard.observability import logger
from switchboard.roles import Forbidden, has_role
from switchboard.table_keys import DEFAULT_AGENT_CAP

from inbox.models.conversations import Agent, Viewer
from inbox.models.errors import (
    AtCapacity,
    CannedReplyNotFound,
    InvalidAction,
    TakeOverNeeded,
    ThreadNotFound,
    UnknownDepartment,
    UnknownStaff,
)
from inbox.models.records import Page
from inbox.models.workspace import (
    AuditPage,
    AuditRecord,
    CannedReply,
    CannedReplyList,
    CannedReplyRequest,
    DepartmentList,
    DepartmentRef,
    Note,
    NoteList,
    RenderedReply,
    StaffDirectory,
    StaffRef,
    ThreadState,
    TransferRequest,
)

_THREAD_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
VIEWER_FRESH_S = 12  # a heartbeat every 5 s: two missed beats and the viewer is gone
VIEWER_TTL_S = 120  # DynamoDB deletes stale viewer items (lazily); reads filter by freshness anyway
READ_AUDIT_WINDOW_MIN = 15  # the page re-reads an open thread every 1.5 s: one "read" per agent per window
MAX_SNOOZE = timedelta(days=90)
CANNED_VARIABLES = {"resident_name", "agency_hours", "agency_name", "agent_name"}


class WorkspaceStore(Protocol):
    def list_departments(self) -> list[dict[str, Any]]: ...

    def department_exists(self, department_id: str) -> bool: ...

    def list_staff(self) -> list[dict[str, Any]]: ...

    def get_staff(self, sub: str) -> dict[str, Any] | None: ...

    def agency_settings(self) -> dict[str, Any]: ...

    def get_thread(self, thread_id: str) -> dict[str, Any] | None: ...

    def open_load(self, sub: str, excluding: str) -> int: ...

    def staff_cap(self, sub: str) -> int | None: ...

    def count_toward_load(self, sub: str, thread_id: str) -> None: ...

    def sync_label_members(self, thread_id: str, labels: list[str], removed: list[str]) -> None: ...

    def update_thread(
        self, thread_id: str, *, set_fields: dict[str, Any], remove_fields: tuple[str, ...] = ()
    ) -> dict[str, Any] | None: ...

    def claim_if_unassigned(self, thread_id: str, sub: str) -> bool: ...

    def transfer(
        self, thread_id: str, set_fields: dict[str, Any], remove_fields: tuple[str, ...], note: dict[str, Any]
    ) -> bool: ...

    def add_note(self, note: dict[str, Any]) -> None: ...

    def list_notes(self, thread_id: str) -> list[dict[str, Any]]: ...

    def heartbeat(self, thread_id: str, viewer: dict[str, Any], expires_at: int) -> None: ...

    def viewers(self, thread_id: str) -> list[dict[str, Any]]: ...

    def list_canned(self) -> list[dict[str, Any]]: ...

    def get_canned(self, canned_id: str) -> dict[str, Any] | None: ...

    def put_canned(self, canned: dict[str, Any]) -> None: ...

    def delete_canned(self, canned_id: str) -> bool: ...

    def record_once(self, item: dict[str, Any]) -> bool: ...

    def threads_active_since(self, since: str, limit: int) -> list[dict[str, Any]]: ...

    def transcript_items(self, thread_id: str, start: str, end: str) -> list[dict[str, Any]]: ...

    def audit_day(self, day: str, limit: int, cursor: str | None) -> Page: ...


@dataclass(frozen=True)
class WorkspaceDependencies:
    store: WorkspaceStore
    audit: AuditLog
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    make_id: Callable[[], str] = lambda: uuid.uuid4().hex


def actor_of(agent: Agent) -> Actor:
    return Actor(sub=agent.sub, email=agent.email)


# --- directory and audit ------------------------------------------------------------------------------


def list_departments(store: WorkspaceStore) -> DepartmentList:
    departments = [DepartmentRef.model_validate(item) for item in store.list_departments()]
    return DepartmentList(departments=sorted(departments, key=lambda d: d.name.lower()))


def staff_directory(store: WorkspaceStore) -> StaffDirectory:
    """Enabled colleagues, by email: whom a thread can be assigned or transferred to."""
    staff = [StaffRef.model_validate(item) for item in store.list_staff() if item.get("enabled", True)]
    return StaffDirectory(staff=sorted(staff, key=lambda s: s.email))


def audit_page(store: WorkspaceStore, day: str, limit: int, cursor: str | None) -> AuditPage:
    page = store.audit_day(day, limit, cursor)
    return AuditPage(
        entries=[AuditRecord.model_validate(i) for i in page.items], next_cursor=page.next_cursor
    )


_recent_reads: set[tuple[str, str, str]] = set()


def record_read(deps: WorkspaceDependencies, agent: Agent, thread_id: str) -> None:
    """One `thread.read` per agent, thread and 15-minute window: a warm function skips repeats from memory,
    and a conditional put on a key fixed by the window collapses repeats across function instances."""
    now = deps.now()
    window = now.replace(minute=now.minute - now.minute % READ_AUDIT_WINDOW_MIN, second=0, microsecond=0)
    window_at = format_timestamp(window)
    key = (agent.sub, thread_id, window_at)
    if key in _recent_reads:
        return
    entry = AuditEntry(
        actor=actor_of(agent),
        action="thread.read",
        at=format_timestamp(now),
        entry_id=f"read-{thread_id}-{agent.sub}",
        thread_id=thread_id,
    )
    item = entry.item()
    item["sk"] = f"{window_at}#read#{thread_id}#{agent.sub}"
    deps.store.record_once(item)
    if len(_recent_reads) > 10_000:
        _recent_reads.clear()
    _recent_reads.add(key)


# --- thread actions -----------------------------------------------------------------------------------


def _thread(store: WorkspaceStore, thread_id: str) -> dict[str, Any]:
    thread = store.get_thread(thread_id) if _THREAD_ID.match(thread_id) else None
    if thread is None:
        raise ThreadNotFound(thread_id)
    return thread


def _state(thread: dict[str, Any] | None, thread_id: str) -> ThreadState:
    if thread is None:
        raise ThreadNotFound(thread_id)
    return ThreadState.model_validate(thread)


def _update(
    deps: WorkspaceDependencies,
    agent: Agent,
    thread_id: str,
    action: AuditAction,
    set_fields: dict[str, Any],
    remove_fields: tuple[str, ...] = (),
    detail: dict[str, str] | None = None,
) -> ThreadState:
    if not _THREAD_ID.match(thread_id):
        raise ThreadNotFound(thread_id)
    thread = deps.store.update_thread(thread_id, set_fields=set_fields, remove_fields=remove_fields)
    state = _state(thread, thread_id)
    deps.audit.record(actor_of(agent), action, thread_id=thread_id, detail=detail)
    logger.info("Thread action", extra={"thread_id": thread_id, "action": action})
    return state


def _check_staff(store: WorkspaceStore, sub: str) -> None:
    profile = store.get_staff(sub)
    if profile is None or not profile.get("enabled", True):
        raise UnknownStaff(sub)


def _within_cap(
    deps: WorkspaceDependencies,
    agent: Agent,
    thread_id: str,
    thread: dict[str, Any],
    sub: str,
    override_reason: str | None,
) -> dict[str, str]:
    """Hand assignment counts toward the same cap as auto-assignment: an agent already holding `cap` open
    conversations gets no more (AtCapacity, a 409) unless a supervisor gives a reason, which is audited.
    The audit detail to add (empty when under the cap)."""
    if thread.get("assignee") == sub or thread.get("status", "open") != "open":
        return {}  # no change to the agent's open load
    load = deps.store.open_load(sub, excluding=thread_id)
    cap = deps.store.staff_cap(sub) or DEFAULT_AGENT_CAP
    if load < cap:
        return {}
    if override_reason is None:
        raise AtCapacity(load, cap)
    if not has_role(agent.groups, "supervisor"):
        raise Forbidden("only a supervisor may assign past an agent's cap")
    logger.info("Cap overridden", extra={"thread_id": thread_id, "load": load, "cap": cap})
    return {"cap_override": f"{load + 1} of {cap}", "override_reason": override_reason}


def _take_over(
    deps: WorkspaceDependencies,
    agent: Agent,
    thread_id: str,
    thread: dict[str, Any],
    new_assignee: str | None,
    confirmed: bool,
) -> None:
    """Taking a thread from the colleague who holds it needs the caller's explicit confirmation (a 409 the
    page turns into a confirm dialog) and is audited as `thread.takeover`; the holder handing it on needs
    none."""
    holder = thread.get("assignee")
    if not holder or holder in (agent.sub, new_assignee):
        return
    if not confirmed:
        raise TakeOverNeeded(str(holder))
    detail = {"from": str(holder), "assignee": new_assignee or ""}
    deps.audit.record(actor_of(agent), "thread.takeover", thread_id=thread_id, detail=detail)
    logger.info("Thread taken over", extra={"thread_id": thread_id})


def assign(
    deps: WorkspaceDependencies,
    agent: Agent,
    thread_id: str,
    target: str | None,
    override_reason: str | None = None,
    take_over: bool = False,
) -> ThreadState:
    """Assign to `target` ("me" = the caller), or unassign with None. A change of owner leaves an
    assignment note, so the thread's timeline shows who handed it to whom and when."""
    thread = _thread(deps.store, thread_id)
    sub = agent.sub if target == "me" else target
    if sub is not None and sub != agent.sub:
        _check_staff(deps.store, sub)
    _take_over(deps, agent, thread_id, thread, sub, take_over)
    if sub is None:
        state = _update(deps, agent, thread_id, "thread.unassign", {}, ("assignee",))
        if thread.get("assignee"):
            _assignment_note(deps, agent, thread_id, None)
        return state
    override = _within_cap(deps, agent, thread_id, thread, sub, override_reason)
    state = _update(
        deps, agent, thread_id, "thread.assign", {"assignee": sub}, detail={"assignee": sub, **override}
    )
    deps.store.count_toward_load(sub, thread_id)
    if thread.get("assignee") != sub:
        _assignment_note(deps, agent, thread_id, sub)
    return state


def _assignment_note(deps: WorkspaceDependencies, agent: Agent, thread_id: str, assignee: str | None) -> None:
    note = _note(deps, agent, thread_id, "Assigned" if assignee else "Unassigned", "assignment")
    if assignee:
        note["assignee"] = assignee
    deps.store.add_note({k: v for k, v in note.items() if v is not None})


def claim_on_reply(deps: WorkspaceDependencies, agent: Agent, thread_id: str) -> None:
    """Whoever answers an unassigned thread owns it, so a second agent sees the collision before replying."""
    if deps.store.claim_if_unassigned(thread_id, agent.sub):
        deps.audit.record(
            actor_of(agent), "thread.assign", thread_id=thread_id, detail={"assignee": agent.sub}
        )
        _assignment_note(deps, agent, thread_id, agent.sub)


def _note(deps: WorkspaceDependencies, agent: Agent, thread_id: str, body: str, kind: str) -> dict[str, Any]:
    return {
        "note_id": deps.make_id(),
        "thread_id": thread_id,
        "body": body,
        "author_sub": agent.sub,
        "author_email": agent.email,
        "created_at": format_timestamp(deps.now()),
        "kind": kind,
    }


def transfer(
    deps: WorkspaceDependencies, agent: Agent, thread_id: str, request: TransferRequest
) -> ThreadState:
    """To a department (back to its queue, unassigned) and/or an agent, with an internal note, atomically.

    An agent may be transferred to whether or not they are signed in: the thread waits in their queue.
    """
    thread = _thread(deps.store, thread_id)
    set_fields: dict[str, Any] = {}
    remove: tuple[str, ...] = ()
    override: dict[str, str] = {}
    if request.department_id is not None:
        if not deps.store.department_exists(request.department_id):
            raise UnknownDepartment(request.department_id)
        set_fields["department_id"] = request.department_id
    _take_over(deps, agent, thread_id, thread, request.agent_sub, request.take_over)
    if request.agent_sub is not None:
        _check_staff(deps.store, request.agent_sub)
        override = _within_cap(deps, agent, thread_id, thread, request.agent_sub, request.override_reason)
        set_fields["assignee"] = request.agent_sub
    else:
        remove = ("assignee",)
    note = _note(deps, agent, thread_id, request.note, "transfer")
    if not deps.store.transfer(
        thread_id, set_fields, remove, {k: v for k, v in note.items() if v is not None}
    ):
        raise ThreadNotFound(thread_id)
    detail = {
        k: v for k, v in (("department_id", request.department_id), ("assignee", request.agent_sub)) if v
    }
    deps.audit.record(actor_of(agent), "thread.transfer", thread_id=thread_id, detail={**detail, **override})
    logger.info("Thread transferred", extra={"thread_id": thread_id, **detail})
    if request.agent_sub is not None:
        deps.store.count_toward_load(request.agent_sub, thread_id)
    return _state(deps.store.get_thread(thread_id), thread_id)


def add_note(deps: WorkspaceDependencies, agent: Agent, thread_id: str, body: str) -> Note:
    _thread(deps.store, thread_id)
    note = _note(deps, agent, thread_id, body, "note")
    deps.store.add_note({k: v for k, v in note.items() if v is not None})
    deps.audit.record(actor_of(agent), "thread.note", thread_id=thread_id)
    return Note.model_validate(note)


def list_notes(store: WorkspaceStore, thread_id: str) -> NoteList:
    _thread(store, thread_id)
    return NoteList(notes=[Note.model_validate(item) for item in store.list_notes(thread_id)])


def set_labels(deps: WorkspaceDependencies, agent: Agent, thread_id: str, labels: list[str]) -> ThreadState:
    """The thread's labels, and the label memberships the inbox's label filter reads."""
    before = set(_thread(deps.store, thread_id).get("labels") or [])
    unique = sorted(set(labels))
    state = _update(
        deps, agent, thread_id, "thread.label", {"labels": unique}, detail={"labels": ",".join(unique)}
    )
    deps.store.sync_label_members(thread_id, unique, sorted(before - set(unique)))
    return state


def snooze(deps: WorkspaceDependencies, agent: Agent, thread_id: str, until: str | None) -> ThreadState:
    if until is None:
        return _update(deps, agent, thread_id, "thread.snooze", {}, ("snoozed_until",), {"until": ""})
    try:
        at = normalize_timestamp(until)
    except ValueError:
        raise InvalidAction("snooze time must be an ISO-8601 instant with a time zone") from None
    now = deps.now()
    if at <= format_timestamp(now) or at > format_timestamp(now + MAX_SNOOZE):
        raise InvalidAction("snooze time must be in the future, within 90 days")
    return _update(deps, agent, thread_id, "thread.snooze", {"snoozed_until": at}, detail={"until": at})


def close(deps: WorkspaceDependencies, agent: Agent, thread_id: str) -> ThreadState:
    at = format_timestamp(deps.now())
    return _update(
        deps, agent, thread_id, "thread.close", {"status": "closed", "closed_at": at}, ("snoozed_until",)
    )


def reopen(deps: WorkspaceDependencies, agent: Agent, thread_id: str) -> ThreadState:
    return _update(deps, agent, thread_id, "thread.reopen", {"status": "open"}, ("closed_at",))


_NAME_SOURCE = ("resident_name", "resident_name_source")


def set_resident_name(deps: WorkspaceDependencies, agent: Agent, thread_id: str, name: str) -> ThreadState:
    if not name:
        return _update(deps, agent, thread_id, "resident.name", {}, _NAME_SOURCE)
    # Staff's name: a name the resident gives later in the web chat widget no longer replaces it.
    return _update(deps, agent, thread_id, "resident.name", {"resident_name": name}, _NAME_SOURCE[1:])


# --- who else is here ---------------------------------------------------------------------------------


def others_viewing(deps: WorkspaceDependencies, agent: Agent, thread_id: str) -> list[Viewer]:
    fresh_after = format_timestamp(deps.now() - timedelta(seconds=VIEWER_FRESH_S))
    return [
        Viewer.model_validate(item)
        for item in deps.store.viewers(thread_id)
        if item.get("sub") != agent.sub and str(item.get("seen_at", "")) >= fresh_after
    ]


def heartbeat(deps: WorkspaceDependencies, agent: Agent, thread_id: str, typing: bool) -> list[Viewer]:
    """The caller is viewing (and maybe typing in) the thread; answers who else is."""
    _thread(deps.store, thread_id)
    now = deps.now()
    viewer = {"sub": agent.sub, "typing": typing, "seen_at": format_timestamp(now)}
    if agent.email:
        viewer["email"] = agent.email
    deps.store.heartbeat(thread_id, viewer, int(now.timestamp()) + VIEWER_TTL_S)
    return others_viewing(deps, agent, thread_id)


# --- canned replies -----------------------------------------------------------------------------------


_VARIABLE = re.compile(r"\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}")


def canned_variables(body: str) -> set[str]:
    """`{name}` placeholders (plain substitution, never str.format: no attribute access, no format specs)."""
    return set(_VARIABLE.findall(body))


def list_canned(store: WorkspaceStore) -> CannedReplyList:
    replies = [CannedReply.model_validate(item) for item in store.list_canned()]
    return CannedReplyList(canned_replies=sorted(replies, key=lambda c: c.title.lower()))


def save_canned(
    deps: WorkspaceDependencies, agent: Agent, canned_id: str, request: CannedReplyRequest
) -> CannedReply:
    unknown = canned_variables(request.body) - CANNED_VARIABLES
    if unknown:
        raise InvalidAction("unknown variables: " + ", ".join(sorted(unknown)))
    canned = CannedReply(canned_id=canned_id, title=request.title, body=request.body)
    deps.store.put_canned(canned.model_dump())
    deps.audit.record(actor_of(agent), "canned.save", detail={"canned_id": canned_id})
    return canned


def delete_canned(deps: WorkspaceDependencies, agent: Agent, canned_id: str) -> None:
    if not deps.store.delete_canned(canned_id):
        raise CannedReplyNotFound(canned_id)
    deps.audit.record(actor_of(agent), "canned.delete", detail={"canned_id": canned_id})


def render_canned(deps: WorkspaceDependencies, agent: Agent, thread_id: str, canned_id: str) -> RenderedReply:
    """The canned reply with this thread's values: the agent reviews it and sends it as an ordinary reply."""
    thread = _thread(deps.store, thread_id)
    canned = deps.store.get_canned(canned_id)
    if canned is None:
        raise CannedReplyNotFound(canned_id)
    settings = deps.store.agency_settings()
    profile = deps.store.get_staff(agent.sub) or {}
    values = {
        "resident_name": thread.get("resident_name") or "there",
        "agency_hours": settings.get("agency_hours") or "our office hours",
        "agency_name": settings.get("agency_name") or "our agency",
        "agent_name": profile.get("name") or (agent.email or "").split("@")[0] or "your agent",
    }
    body = _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), str(canned["body"]))
    return RenderedReply(body=body[:1600])
