"""ANY /api/admin/{proxy+}: staff and departments, for admins only (Cognito JWT authorizer + role check).

A function of its own so that only it holds the Cognito admin permissions (least privilege): the agent API
cannot create, promote or disable anyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from switchboard.audit import Actor, AuditLog
from switchboard.body_caps import STAFF_BODY_BYTES, refuse_bodies_over
from switchboard.observability import logger, metrics, tracer
from switchboard.roles import Forbidden
from switchboard.settings import StaffAdminSettings, load_settings
from switchboard.staff_routes import NotAuthenticated, answer_errors, jwt_claims, table_gate

from staff.dal.staff_table import StaffTable
from staff.integrations.cognito_directory import CognitoDirectory
from staff.logic.staff_admin import (
    Directory,
    StaffStore,
    invite_staff,
    list_staff,
    save_department,
    save_settings,
    set_staff_enabled,
    update_staff,
)
from staff.models.errors import CannotDemoteSelf, DepartmentNotFound, StaffExists, StaffNotFound
from staff.models.staff import (
    DEPARTMENT_ID,
    AgencySettings,
    Department,
    DepartmentList,
    DepartmentRename,
    DepartmentRequest,
    InviteRequest,
    StaffList,
    StaffMember,
    StaffUpdate,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings(StaffAdminSettings)
app = APIGatewayHttpResolver(enable_validation=True)


gate = table_gate(settings.table_name, "admin")  # every route: signed in, not disabled, admin

Sub = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,64}$")]


@dataclass(frozen=True)
class StaffAdminDependencies:
    directory: Directory
    store: StaffStore
    audit: AuditLog


@cache
def dependencies() -> StaffAdminDependencies:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return StaffAdminDependencies(
        directory=CognitoDirectory(boto3.client("cognito-idp"), settings.user_pool_id),
        store=StaffTable(table),
        audit=AuditLog(table),
    )


def actor() -> Actor:
    claims = jwt_claims(app)
    email = claims.get("email")
    return Actor(sub=str(claims["sub"]), email=str(email) if email else None)


@app.get("/api/admin/staff")
def get_staff() -> StaffList:
    deps = dependencies()
    return list_staff(deps.directory, deps.store)


@app.post("/api/admin/staff")
def post_staff(request: InviteRequest) -> Response[StaffMember]:
    deps = dependencies()
    member = invite_staff(deps.directory, deps.store, deps.audit, actor(), request)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=member)


@app.patch("/api/admin/staff/<sub>")
def patch_staff(sub: Sub, update: StaffUpdate) -> StaffMember:
    deps = dependencies()
    return update_staff(deps.directory, deps.store, deps.audit, actor(), sub, update)


@app.post("/api/admin/staff/<sub>/disable")
def disable_staff(sub: Sub) -> StaffMember:
    deps = dependencies()
    return set_staff_enabled(deps.directory, deps.store, deps.audit, actor(), sub, enabled=False)


@app.post("/api/admin/staff/<sub>/enable")
def enable_staff(sub: Sub) -> StaffMember:
    deps = dependencies()
    return set_staff_enabled(deps.directory, deps.store, deps.audit, actor(), sub, enabled=True)


@app.get("/api/admin/departments")
def get_departments() -> DepartmentList:
    return DepartmentList(departments=dependencies().store.list_departments())


@app.put("/api/admin/departments/<department_id>")
def put_department(
    department_id: Annotated[str, Path(pattern=DEPARTMENT_ID)], body: DepartmentRename
) -> Department:
    deps = dependencies()
    request = DepartmentRequest(department_id=department_id, name=body.name)
    return save_department(deps.store, deps.audit, actor(), request)


@app.get("/api/admin/settings")
def get_settings() -> AgencySettings:
    return dependencies().store.get_settings()


@app.put("/api/admin/settings")
def put_settings(body: AgencySettings) -> AgencySettings:
    deps = dependencies()
    return save_settings(deps.store, deps.audit, actor(), body)


_ERROR_RESPONSES: dict[type[Exception], tuple[int, str]] = {
    NotAuthenticated: (401, "not authenticated"),
    Forbidden: (403, "forbidden"),
    StaffNotFound: (404, "staff member not found"),
    DepartmentNotFound: (400, "unknown department"),
    StaffExists: (409, "a staff member with this email exists"),
    CannotDemoteSelf: (409, "admins cannot remove their own admin role or disable themselves"),
}

answer_errors(app, _ERROR_RESPONSES)


@logger.inject_lambda_context(log_event=False, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@refuse_bodies_over(STAFF_BODY_BYTES)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return gate.resolve(app, event, context)
