"""The agent API's workspace routes (a Router the agent API includes): departments, colleagues, the audit log,
and thread actions. Each route names the role it needs (switchboard.roles)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from switchboard.staff_routes import requires

from inbox.logic import workspace
from inbox.models.workspace import AuditPage, DepartmentList, StaffDirectory

router = Router()

AGENT = [requires("agent")]
SUPERVISOR = [requires("supervisor")]

Day = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Cursor = Annotated[str | None, Query(max_length=1024)]


def _deps() -> workspace.WorkspaceDependencies:
    deps: workspace.WorkspaceDependencies = router.context["workspace"]
    return deps


@router.get("/api/departments", middlewares=AGENT)
def get_departments() -> DepartmentList:
    return workspace.list_departments(_deps().store)


@router.get("/api/staff", middlewares=AGENT)
def get_staff_directory() -> StaffDirectory:
    return workspace.staff_directory(_deps().store)


@router.get("/api/audit", middlewares=SUPERVISOR)
def get_audit(
    day: Day = None, limit: Annotated[int, Query(ge=1, le=200)] = 100, cursor: Cursor = None
) -> AuditPage:
    day = day or datetime.now(UTC).strftime("%Y-%m-%d")
    return workspace.audit_page(_deps().store, day, limit, cursor)
