"""The workspace around threads: departments and colleagues to route to, and the audit log for supervisors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from switchboard.audit import AuditLog

from inbox.models.records import Page
from inbox.models.workspace import (
    AuditPage,
    AuditRecord,
    DepartmentList,
    DepartmentRef,
    StaffDirectory,
    StaffRef,
)


class WorkspaceStore(Protocol):
    def list_departments(self) -> list[dict[str, Any]]: ...

    def department_exists(self, department_id: str) -> bool: ...

    def list_staff(self) -> list[dict[str, Any]]: ...

    def audit_day(self, day: str, limit: int, cursor: str | None) -> Page: ...


@dataclass(frozen=True)
class WorkspaceDependencies:
    store: WorkspaceStore
    audit: AuditLog


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
