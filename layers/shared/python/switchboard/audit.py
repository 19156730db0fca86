"""The audit log of staff actions: who read, replied, assigned, transferred, exported, invited, and when.

One item per action, partitioned by UTC day (`AUDIT#YYYY-MM-DD`, sort key `{at}#{entry_id}`), so a supervisor
reads a day, newest first, with one Query. Entries hold ids (thread, staff sub, department), never a message
body or a resident's address.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from switchboard.clock import utc_now_iso
from switchboard.table_keys import audit_pk

AuditAction = Literal[
    "thread.read",
    "thread.reply",
    "thread.assign",
    "thread.unassign",
    "thread.takeover",
    "thread.transfer",
    "thread.note",
    "thread.label",
    "resident.name",
    "resident.language",
    "thread.snooze",
    "thread.close",
    "thread.reopen",
    "thread.export",
    "transcript.export",
    "staff.invite",
    "staff.update",
    "staff.disable",
    "staff.enable",
    "department.save",
    "settings.save",
    "canned.save",
    "canned.delete",
    "zones.save",
    "zones.delete",
    "zones.address_points",
    "services.save",
    "services.delete",
    "services.import",
    "open311_key.issue",
    "open311_key.revoke",
    "open311_city.save",
    "open311_city.delete",
    "service_request.status",
    "service_request.create",
    "service_request.edit",
    "subscribers.import",
    "subscribers.read",
    "subscribers.opt_out",
    "topic.create",
    "topic.rename",
    "alert_group.reply",
    "alert.create",
    "alert.cancel",
    "alert.translate",
    "thread.call",
    "staff.phone",
    "notice.save",
    "notice.pause",
    "notice.resume",
    "notice.delete",
    "reminders.upload",
    "reminders.complete",
    "reminders.plan",
    "triage.crisis_reply",
    "triage.override",
    "triage.rules",
    "thread.language",
    "translation.settings",
    "feedback.follow_up",
    "pulse.create",
    "triage.oncall",
    "triage.oncall_page",
]


@dataclass(frozen=True)
class Actor:
    sub: str
    email: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    actor: Actor
    action: AuditAction
    at: str
    entry_id: str
    thread_id: str | None = None
    detail: Mapping[str, str] = field(default_factory=dict)

    def item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "pk": audit_pk(self.at[:10]),
            "sk": f"{self.at}#{self.entry_id}",
            "entry_id": self.entry_id,
            "at": self.at,
            "actor_sub": self.actor.sub,
            "action": self.action,
            "detail": dict(self.detail),
        }
        if self.actor.email:
            item["actor_email"] = self.actor.email
        if self.thread_id:
            item["thread_id"] = self.thread_id
        return item


class AuditLog:
    """Writes audit entries to the one table (PutItem; an entry is never updated)."""

    def __init__(
        self,
        table: Any,
        now: Callable[[], str] = utc_now_iso,
        make_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._table = table
        self._now = now
        self._make_id = make_id

    def record(
        self,
        actor: Actor,
        action: AuditAction,
        *,
        thread_id: str | None = None,
        detail: Mapping[str, str] | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            actor=actor,
            action=action,
            at=self._now(),
            entry_id=self._make_id(),
            thread_id=thread_id,
            detail=dict(detail or {}),
        )
        self._table.put_item(Item=entry.item())
        return entry
