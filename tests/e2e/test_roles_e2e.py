"""Roles over HTTP on the local stack: real Cognito tokens through the JWT authorizer. An agent cannot call a
supervisor or admin route; the demo admin can."""

from __future__ import annotations

import json

import pytest

from infra.local.seed import DEMO_AGENT2_EMAIL, DEMO_DEPARTMENTS
from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, LocalStack
from tests.e2e.test_local_stack_api import call

pytestmark = pytest.mark.e2e

SUPERVISOR_ROUTES = [("GET", "/api/audit")]
ADMIN_ROUTES = [
    ("GET", "/api/admin/staff"),
    ("GET", "/api/admin/departments"),
    ("GET", "/api/admin/settings"),
]


def test_an_agent_cannot_call_supervisor_or_admin_routes_and_an_admin_can(local_stack: LocalStack) -> None:
    agent = local_stack.sign_in(DEMO_AGENT2_EMAIL, DEMO_AGENT_PASSWORD)
    admin = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)

    for method, path in SUPERVISOR_ROUTES + ADMIN_ROUTES:
        status, _, body = call(local_stack, method, path, agent)
        assert (status, json.loads(body)) == (403, {"message": "forbidden"}), path
        assert call(local_stack, method, path, admin)[0] == 200, path
    # Writes too: the agent cannot invite anyone.
    status, _, _ = call(local_stack, "POST", "/api/admin/staff", agent, {"email": "sneaky@example.gov"})
    assert status == 403
    # What every agent needs still works.
    assert call(local_stack, "GET", "/api/threads", agent)[0] == 200
    status, _, body = call(local_stack, "GET", "/api/departments", agent)
    assert {d["department_id"] for d in json.loads(body)["departments"]} == set(DEMO_DEPARTMENTS)


def test_an_admin_invites_staff_who_must_set_their_own_password(
    local_stack: LocalStack,
) -> None:
    admin = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)

    status, _, body = call(
        local_stack,
        "POST",
        "/api/admin/staff",
        admin,
        {"email": "invitee@demo.switchboard.local", "departments": ["roads"]},
    )

    assert status == 201
    member = json.loads(body)
    assert member["status"] == "FORCE_CHANGE_PASSWORD" and member["groups"] == ["agent"]
    status, _, body = call(local_stack, "GET", "/api/admin/staff", admin)
    assert "invitee@demo.switchboard.local" in {m["email"] for m in json.loads(body)["staff"]}
