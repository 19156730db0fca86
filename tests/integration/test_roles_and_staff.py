"""Roles and staff administration against moto: every route checks the role it needs; admins invite, promote,
assign departments and disable staff in the Cognito pool; departments live in the table."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from switchboard.staff_routes import PROFILE_CACHE_S

from tests.integration.conftest import REGION, Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call

ADMIN = {
    "sub": "a0000000-0000-4000-8000-000000000001",
    "email": "admin@example.gov",
    "cognito:groups": "[admin]",
}
SUPERVISOR = {
    "sub": "50000000-0000-4000-8000-000000000002",
    "email": "sup@example.gov",
    "cognito:groups": "[supervisor]",
}
AGENT = {
    "sub": "a9000000-0000-4000-8000-000000000003",
    "email": "agent@example.gov",
    "cognito:groups": "[agent]",
}


class FakeClock:
    """The staff gate's monotonic clock, moved by the test (no sleeps)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


NOBODY = {"sub": "00000000-0000-4000-8000-000000000004", "email": "new@example.gov"}

ADMIN_ROUTES = [
    ("GET", "/api/admin/staff", None),
    ("POST", "/api/admin/staff", {"email": "x@example.gov"}),
    ("PATCH", "/api/admin/staff/abc", {"groups": ["admin"]}),
    ("POST", "/api/admin/staff/abc/disable", None),
    ("POST", "/api/admin/staff/abc/enable", None),
    ("GET", "/api/admin/departments", None),
    ("PUT", "/api/admin/departments/water", {"name": "Water"}),
    ("GET", "/api/admin/settings", None),
    ("PUT", "/api/admin/settings", {"agency_hours": "24/7"}),
]
SUPERVISOR_ROUTES = [("GET", "/api/audit", None)]


def admin_call(
    staff_admin: Any,
    context: LambdaContext,
    method: str,
    path: str,
    body: Any = None,
    claims: dict[str, Any] = ADMIN,
) -> tuple[int, Any]:
    event = api_event(method, path, body=body, claims=claims)
    event["routeKey"] = "ANY /api/admin/{proxy+}"
    event["pathParameters"] = {"proxy": path.removeprefix("/api/admin/")}
    return call(staff_admin, context, event)


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
@pytest.mark.parametrize("claims", [AGENT, SUPERVISOR, NOBODY], ids=["agent", "supervisor", "no-group"])
def test_only_admins_may_call_admin_routes(
    aws: Aws,
    staff_admin: Any,
    context: LambdaContext,
    method: str,
    path: str,
    body: Any,
    claims: dict[str, Any],
) -> None:
    status, answer = admin_call(staff_admin, context, method, path, body, claims)

    assert (status, answer) == (403, {"message": "forbidden"})
    assert not [i for i in aws.items() if i["pk"].startswith(("DEPT#", "STAFF#", "SETTINGS"))]


@pytest.mark.parametrize(("method", "path", "body"), SUPERVISOR_ROUTES)
def test_an_agent_cannot_call_a_supervisor_route_but_a_supervisor_and_an_admin_can(
    aws: Aws, agent_api: Any, context: LambdaContext, method: str, path: str, body: Any
) -> None:
    assert call(agent_api, context, api_event(method, path, body=body, claims=AGENT))[0] == 403
    assert call(agent_api, context, api_event(method, path, body=body, claims=SUPERVISOR))[0] == 200
    assert call(agent_api, context, api_event(method, path, body=body, claims=ADMIN))[0] == 200


def test_a_user_in_no_staff_group_sees_who_they_are_and_nothing_else(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    assert call(agent_api, context, api_event("GET", "/api/me", claims=NOBODY))[0] == 200
    assert call(agent_api, context, api_event("GET", "/api/threads", claims=NOBODY))[0] == 403
    assert call(agent_api, context, api_event("GET", "/api/departments", claims=NOBODY))[0] == 403


def cognito_user(aws: Aws, sub: str) -> dict[str, Any]:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    user = cognito.admin_get_user(UserPoolId=aws.user_pool_id, Username=sub)
    groups = cognito.admin_list_groups_for_user(UserPoolId=aws.user_pool_id, Username=sub)["Groups"]
    return {
        "enabled": user["Enabled"],
        "status": user["UserStatus"],
        "groups": sorted(g["GroupName"] for g in groups),
    }


def test_an_admin_invites_staff_into_departments_and_the_invitee_must_set_their_own_password(
    aws: Aws, staff_admin: Any, agent_api: Any, context: LambdaContext
) -> None:
    assert admin_call(
        staff_admin, context, "PUT", "/api/admin/departments/water", {"name": "Water & Sewer"}
    ) == (
        200,
        {"department_id": "water", "name": "Water & Sewer"},
    )

    status, member = admin_call(
        staff_admin,
        context,
        "POST",
        "/api/admin/staff",
        {
            "email": "New.Agent@Example.gov",
            "name": "Nia",
            "groups": ["agent", "supervisor"],
            "departments": ["water"],
        },
    )

    assert status == 201
    assert member["email"] == "new.agent@example.gov"
    assert member["departments"] == ["water"] and member["status"] == "FORCE_CHANGE_PASSWORD"
    assert cognito_user(aws, member["sub"]) == {
        "enabled": True,
        "status": "FORCE_CHANGE_PASSWORD",
        "groups": ["agent", "supervisor"],
    }
    # Agents see the department and their new colleague, to transfer to them.
    assert call(agent_api, context, api_event("GET", "/api/departments", claims=AGENT))[1] == {
        "departments": [{"department_id": "water", "name": "Water & Sewer"}]
    }
    staff = call(agent_api, context, api_event("GET", "/api/staff", claims=AGENT))[1]["staff"]
    assert [(s["email"], s["departments"]) for s in staff] == [("new.agent@example.gov", ["water"])]
    # The invitation is in the audit log, readable by a supervisor.
    entries = call(agent_api, context, api_event("GET", "/api/audit", claims=SUPERVISOR))[1]["entries"]
    assert [(e["action"], e["actor_sub"], e["detail"].get("staff_sub")) for e in entries][0] == (
        "staff.invite",
        ADMIN["sub"],
        member["sub"],
    )


def test_inviting_twice_or_into_an_unknown_department_is_refused(
    aws: Aws, staff_admin: Any, context: LambdaContext
) -> None:
    assert admin_call(staff_admin, context, "POST", "/api/admin/staff", {"email": "a@example.gov"})[0] == 201
    assert admin_call(staff_admin, context, "POST", "/api/admin/staff", {"email": "A@example.gov"})[0] == 409
    unknown = admin_call(
        staff_admin, context, "POST", "/api/admin/staff", {"email": "b@example.gov", "departments": ["nope"]}
    )
    assert unknown == (400, {"message": "unknown department"})
    assert admin_call(staff_admin, context, "POST", "/api/admin/staff", {"email": "not-an-email"})[0] == 422
    assert (
        admin_call(
            staff_admin, context, "POST", "/api/admin/staff", {"email": "c@example.gov", "groups": ["root"]}
        )[0]
        == 422
    )


def test_an_admin_changes_roles_and_departments_then_disables_and_re_enables(
    aws: Aws, staff_admin: Any, context: LambdaContext
) -> None:
    admin_call(staff_admin, context, "PUT", "/api/admin/departments/roads", {"name": "Roads"})
    sub = admin_call(staff_admin, context, "POST", "/api/admin/staff", {"email": "d@example.gov"})[1]["sub"]

    status, member = admin_call(
        staff_admin,
        context,
        "PATCH",
        f"/api/admin/staff/{sub}",
        {"groups": ["supervisor"], "departments": ["roads"]},
    )
    assert status == 200 and member["groups"] == ["supervisor"] and member["departments"] == ["roads"]
    assert cognito_user(aws, sub)["groups"] == ["supervisor"]

    assert admin_call(staff_admin, context, "POST", f"/api/admin/staff/{sub}/disable")[1]["enabled"] is False
    assert cognito_user(aws, sub)["enabled"] is False
    listed = admin_call(staff_admin, context, "GET", "/api/admin/staff")[1]["staff"]
    assert [(m["email"], m["enabled"]) for m in listed] == [("d@example.gov", False)]

    assert admin_call(staff_admin, context, "POST", f"/api/admin/staff/{sub}/enable")[1]["enabled"] is True
    assert (
        admin_call(staff_admin, context, "PATCH", "/api/admin/staff/missing-user", {"groups": ["agent"]})[0]
        == 404
    )


def test_an_admin_cannot_lock_themselves_out(aws: Aws, staff_admin: Any, context: LambdaContext) -> None:
    sub = admin_call(
        staff_admin, context, "POST", "/api/admin/staff", {"email": "boss@example.gov", "groups": ["admin"]}
    )[1]["sub"]
    me = {"sub": sub, "email": "boss@example.gov", "cognito:groups": "[admin]"}

    assert (
        admin_call(staff_admin, context, "PATCH", f"/api/admin/staff/{sub}", {"groups": ["agent"]}, me)[0]
        == 409
    )
    assert admin_call(staff_admin, context, "POST", f"/api/admin/staff/{sub}/disable", None, me)[0] == 409
    assert cognito_user(aws, sub) == {"enabled": True, "status": "FORCE_CHANGE_PASSWORD", "groups": ["admin"]}


def test_agency_settings_are_kept_for_canned_replies(
    aws: Aws, staff_admin: Any, context: LambdaContext
) -> None:
    body = {"agency_name": "Springfield Health", "agency_hours": "Mon-Fri 8am-6pm"}

    assert admin_call(staff_admin, context, "PUT", "/api/admin/settings", body) == (200, body)
    assert admin_call(staff_admin, context, "GET", "/api/admin/settings") == (200, body)


def test_a_disabled_agent_is_refused_even_with_a_token_issued_before(
    aws: Aws, staff_admin: Any, agent_api: Any, context: LambdaContext
) -> None:
    clock = FakeClock()
    agent_api.gate.clock = clock
    member = admin_call(staff_admin, context, "POST", "/api/admin/staff", {"email": "e@example.gov"})[1]
    claims = {"sub": member["sub"], "email": "e@example.gov", "cognito:groups": "[agent]"}
    threads = api_event("GET", "/api/threads", claims=claims)
    assert call(agent_api, context, threads)[0] == 200

    # Given the admin disables them: a warm function re-reads the profile once its few seconds are up.
    admin_call(staff_admin, context, "POST", f"/api/admin/staff/{member['sub']}/disable")
    clock.advance(PROFILE_CACHE_S)
    assert call(agent_api, context, threads) == (403, {"message": "forbidden"})
    assert call(agent_api, context, api_event("GET", "/api/me", claims=claims))[0] == 403

    # And re-enabled, they work again within the same few seconds.
    admin_call(staff_admin, context, "POST", f"/api/admin/staff/{member['sub']}/enable")
    clock.advance(PROFILE_CACHE_S)
    assert call(agent_api, context, threads)[0] == 200


def test_a_disabled_admin_cannot_administer_with_a_token_issued_before(
    aws: Aws, staff_admin: Any, context: LambdaContext
) -> None:
    other = admin_call(
        staff_admin, context, "POST", "/api/admin/staff", {"email": "admin2@example.gov", "groups": ["admin"]}
    )[1]
    claims = {"sub": other["sub"], "email": "admin2@example.gov", "cognito:groups": "[admin]"}
    clock = FakeClock()
    staff_admin.gate.clock = clock
    assert admin_call(staff_admin, context, "GET", "/api/admin/staff", None, claims)[0] == 200

    admin_call(staff_admin, context, "POST", f"/api/admin/staff/{other['sub']}/disable")
    clock.advance(PROFILE_CACHE_S)

    assert admin_call(staff_admin, context, "GET", "/api/admin/staff", None, claims) == (
        403,
        {"message": "forbidden"},
    )
