"""The workspace around a thread, as the agent API takes and returns it: departments, staff, audit."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DepartmentRef(BaseModel):
    department_id: str
    name: str


class DepartmentList(BaseModel):
    departments: list[DepartmentRef]


class StaffRef(BaseModel):
    """What an agent may know about a colleague (to transfer or assign to them)."""

    sub: str
    email: str
    name: str | None = None
    groups: list[str] = Field(default_factory=list)
    departments: list[str] = Field(default_factory=list)


class StaffDirectory(BaseModel):
    staff: list[StaffRef]


class AuditRecord(BaseModel):
    entry_id: str
    at: str
    actor_sub: str
    actor_email: str | None = None
    action: str
    thread_id: str | None = None
    detail: dict[str, str] = Field(default_factory=dict)


class AuditPage(BaseModel):
    entries: list[AuditRecord]
    next_cursor: str | None
