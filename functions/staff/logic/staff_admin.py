"""What an admin does: invite staff, set their roles and departments, disable or re-enable them, keep the
departments and agency settings. Every change is written to the audit log."""

from __future__ import annotations

from typing import Any, Protocol

from switchboard.audit import Actor, AuditLog
from switchboard.observability import logger

from staff.integrations.cognito_directory import DirectoryUser
from staff.models.errors import CannotDemoteSelf, DepartmentNotFound
from staff.models.staff import (
    AgencySettings,
    Department,
    DepartmentRequest,
    InviteRequest,
    StaffList,
    StaffMember,
    StaffUpdate,
)


class Directory(Protocol):
    def invite(self, email: str) -> DirectoryUser: ...

    def get(self, sub: str) -> DirectoryUser: ...

    def set_groups(self, sub: str, wanted: list[str]) -> None: ...

    def disable(self, sub: str) -> None: ...

    def enable(self, sub: str) -> None: ...

    def list_users(self) -> list[DirectoryUser]: ...


class StaffStore(Protocol):
    def put_department(self, department: Department) -> None: ...

    def get_department(self, department_id: str) -> Department | None: ...

    def list_departments(self) -> list[Department]: ...

    def put_profile(self, profile: dict[str, Any]) -> None: ...

    def get_profile(self, sub: str) -> dict[str, Any] | None: ...

    def list_profiles(self) -> list[dict[str, Any]]: ...

    def get_settings(self) -> AgencySettings: ...

    def put_settings(self, settings: AgencySettings) -> None: ...


def _member(user: DirectoryUser, profile: dict[str, Any] | None) -> StaffMember:
    profile = profile or {}
    return StaffMember(
        sub=user.sub,
        email=user.email,
        name=profile.get("name"),
        groups=list(user.groups),
        departments=list(profile.get("departments", [])),
        enabled=user.enabled,
        status=user.status,
    )


def _check_departments(store: StaffStore, department_ids: list[str]) -> None:
    known = {d.department_id for d in store.list_departments()}
    for department_id in department_ids:
        if department_id not in known:
            raise DepartmentNotFound(department_id)


def _save_profile(
    store: StaffStore, user: DirectoryUser, groups: list[str], departments: list[str], name: str | None
) -> None:
    store.put_profile(
        {
            "sub": user.sub,
            "email": user.email,
            "name": name,
            "groups": groups,
            "departments": departments,
            "enabled": user.enabled,
        }
    )


def list_staff(directory: Directory, store: StaffStore) -> StaffList:
    profiles = {p["sub"]: p for p in store.list_profiles()}
    members = [_member(user, profiles.get(user.sub)) for user in directory.list_users()]
    return StaffList(staff=sorted(members, key=lambda m: m.email))


def invite_staff(
    directory: Directory, store: StaffStore, audit: AuditLog, actor: Actor, request: InviteRequest
) -> StaffMember:
    _check_departments(store, request.departments)
    user = directory.invite(request.email)
    directory.set_groups(user.sub, list(request.groups))
    _save_profile(store, user, list(request.groups), request.departments, request.name)
    audit.record(actor, "staff.invite", detail={"staff_sub": user.sub, "groups": ",".join(request.groups)})
    logger.info("Staff invited", extra={"staff_sub": user.sub})
    return _member(directory.get(user.sub), store.get_profile(user.sub))


def update_staff(
    directory: Directory, store: StaffStore, audit: AuditLog, actor: Actor, sub: str, update: StaffUpdate
) -> StaffMember:
    user = directory.get(sub)
    profile = store.get_profile(sub) or {}
    groups: list[str] = list(update.groups) if update.groups is not None else list(user.groups)
    if sub == actor.sub and "admin" in user.groups and "admin" not in groups:
        raise CannotDemoteSelf(sub)
    departments = (
        update.departments if update.departments is not None else list(profile.get("departments", []))
    )
    _check_departments(store, departments)
    if update.groups is not None:
        directory.set_groups(sub, groups)
    name = update.name if update.name is not None else profile.get("name")
    _save_profile(store, directory.get(sub), groups, departments, name)
    audit.record(
        actor,
        "staff.update",
        detail={"staff_sub": sub, "groups": ",".join(groups), "departments": ",".join(departments)},
    )
    return _member(directory.get(sub), store.get_profile(sub))


def set_staff_enabled(
    directory: Directory, store: StaffStore, audit: AuditLog, actor: Actor, sub: str, *, enabled: bool
) -> StaffMember:
    if sub == actor.sub and not enabled:
        raise CannotDemoteSelf(sub)
    if enabled:
        directory.enable(sub)
    else:
        directory.disable(sub)
    user = directory.get(sub)
    profile = store.get_profile(sub) or {}
    _save_profile(store, user, list(user.groups), list(profile.get("departments", [])), profile.get("name"))
    audit.record(actor, "staff.enable" if enabled else "staff.disable", detail={"staff_sub": sub})
    return _member(user, store.get_profile(sub))


def save_department(
    store: StaffStore, audit: AuditLog, actor: Actor, request: DepartmentRequest
) -> Department:
    department = Department(department_id=request.department_id, name=request.name)
    store.put_department(department)
    audit.record(actor, "department.save", detail={"department_id": department.department_id})
    return department


def save_settings(
    store: StaffStore, audit: AuditLog, actor: Actor, settings: AgencySettings
) -> AgencySettings:
    store.put_settings(settings)
    audit.record(actor, "settings.save")
    return settings
