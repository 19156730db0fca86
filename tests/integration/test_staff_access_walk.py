"""Every staff route of the synthesized template, called by every kind of caller (issue 15 item 1).

The routes come from the template (each JWT-authorized HTTP API route, and behind a `{proxy+}` route every
route of the function's resolver that API Gateway sends there); what each caller gets is the table below,
written by hand from docs/architecture.md ("Auth"), never computed by the code's own rule. A route in the
template missing from the table, or a table row with no route, fails the test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.app import REPO_ROOT, STACK_NAME, build_app
from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_click_to_call import calls_api, twilio
from tests.integration.test_notices import notices_api

_ = (calls_api, twilio, notices_api)  # fixtures this module uses by name

THREAD = "7a0c3f6e9b2d4e1f8a5c6b7d8e9f0a1b"  # in "water", held by a colleague
COLLEAGUE = "c0000000-0000-4000-8000-00000000000c"

PERSONAS: dict[str, dict[str, Any] | None] = {
    "agent": {"sub": "a1000000-0000-4000-8000-000000000001", "cognito:groups": "[agent]"},
    "supervisor": {"sub": "a2000000-0000-4000-8000-000000000002", "cognito:groups": "[supervisor]"},
    "admin": {"sub": "a3000000-0000-4000-8000-000000000003", "cognito:groups": "[admin]"},
    # An admin an admin has disabled, whose ID token is still valid.
    "disabled": {"sub": "a4000000-0000-4000-8000-000000000004", "cognito:groups": "[admin]"},
    # An agent of another department (roads).
    "outsider": {"sub": "a5000000-0000-4000-8000-000000000005", "cognito:groups": "[agent]"},
    "anonymous": None,  # no claims: did not come through the JWT authorizer
}
PROFILES = {
    "agent": (["water"], True),
    "supervisor": (["roads"], True),
    "admin": ([], True),
    "disabled": (["water"], False),
    "outsider": (["roads"], True),
}

OK = "ok"  # passes authorization: whatever the route answers next, it is neither 401 nor 403
# What each caller gets, per kind of route.
OUTCOMES: dict[str, dict[str, str | int]] = {
    # Who am I: any signed-in user, even in no staff group.
    "me": {"agent": OK, "supervisor": OK, "admin": OK, "disabled": 403, "outsider": OK, "anonymous": 401},
    "agent": {"agent": OK, "supervisor": OK, "admin": OK, "disabled": 403, "outsider": OK, "anonymous": 401},
    # One thread of the water department: its agents, supervisors (scope "all") and admins.
    "thread": {
        "agent": OK,
        "supervisor": OK,
        "admin": OK,
        "disabled": 403,
        "outsider": 403,
        "anonymous": 401,
    },
    "supervisor": {
        "agent": 403,
        "supervisor": OK,
        "admin": OK,
        "disabled": 403,
        "outsider": 403,
        "anonymous": 401,
    },
    "admin": {
        "agent": 403,
        "supervisor": 403,
        "admin": OK,
        "disabled": 403,
        "outsider": 403,
        "anonymous": 401,
    },
}

# Every staff route, the kind above, and (for a route whose body or query is checked before its role) a
# request the route accepts in shape, so that a refusal is the authorization's and not validation's.
REPORT_PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}
ROUTES: dict[tuple[str, str], tuple[str, dict[str, Any] | None]] = {
    # the agent API (app.handlers.agent_api and the routers it mounts)
    ("GET", "/api/me"): ("me", None),
    ("GET", "/api/threads"): ("agent", None),
    ("GET", "/api/threads/{thread_id}"): ("thread", None),
    ("POST", "/api/threads/{thread_id}/messages"): ("thread", None),
    ("GET", "/api/threads/{thread_id}/media/{media_id}"): ("thread", None),
    ("GET", "/api/alert-replies"): ("agent", None),
    ("GET", "/api/alert-replies/{alert_id}"): ("agent", None),
    ("POST", "/api/alert-replies/{alert_id}/answer"): ("agent", None),
    ("GET", "/api/departments"): ("agent", None),
    ("GET", "/api/staff"): ("agent", None),
    ("POST", "/api/threads/{thread_id}/assign"): ("thread", None),
    ("POST", "/api/threads/{thread_id}/transfer"): ("thread", None),
    ("GET", "/api/threads/{thread_id}/notes"): ("thread", None),
    ("POST", "/api/threads/{thread_id}/notes"): ("thread", None),
    ("PUT", "/api/threads/{thread_id}/labels"): ("thread", None),
    ("PUT", "/api/threads/{thread_id}/snooze"): ("thread", None),
    ("POST", "/api/threads/{thread_id}/close"): ("thread", None),
    ("POST", "/api/threads/{thread_id}/reopen"): ("thread", None),
    ("PUT", "/api/threads/{thread_id}/resident-name"): ("thread", None),
    ("GET", "/api/threads/{thread_id}/resident"): ("thread", None),
    ("PUT", "/api/threads/{thread_id}/resident-language"): ("thread", {"body": {"language": "es"}}),
    ("POST", "/api/threads/{thread_id}/presence"): ("thread", None),
    ("GET", "/api/canned-replies"): ("agent", None),
    ("PUT", "/api/canned-replies/{canned_id}"): ("supervisor", {"body": {"title": "Hi", "body": "Hello"}}),
    ("DELETE", "/api/canned-replies/{canned_id}"): ("supervisor", None),
    ("GET", "/api/threads/{thread_id}/canned-replies/{canned_id}"): ("thread", None),
    ("GET", "/api/threads/{thread_id}/export"): ("supervisor", None),
    ("GET", "/api/exports"): ("supervisor", {"query": {"from": "2026-11-01", "to": "2026-11-02"}}),
    ("GET", "/api/audit"): ("supervisor", None),
    ("GET", "/api/reports"): ("supervisor", {"query": REPORT_PERIOD}),
    ("GET", "/api/reports/csv/{table}"): ("supervisor", {"query": REPORT_PERIOD}),
    ("GET", "/api/inbox"): ("agent", None),
    ("GET", "/api/inbox/counts"): ("agent", None),
    ("GET", "/api/inbox/search"): ("agent", {"query": {"q": "water"}}),
    ("GET", "/api/threads/{thread_id}/consent"): ("supervisor", None),
    ("POST", "/api/subscribers/import"): (
        "supervisor",
        {"body": {"csv": "phone,topics\n+15555550101,WATER\n", "source": "paper sheets"}},
    ),
    ("GET", "/api/presence"): ("agent", None),
    ("PUT", "/api/presence"): ("agent", None),
    ("GET", "/api/routing/rules"): ("supervisor", None),
    ("PUT", "/api/routing/rules"): ("admin", {"body": {"rules": []}}),
    ("GET", "/api/callbacks/tasks"): ("agent", None),
    ("GET", "/api/callbacks/upcoming"): ("agent", None),
    ("POST", "/api/callbacks/{callback_id}/take"): ("agent", None),
    ("POST", "/api/callbacks/{callback_id}/outcome"): ("agent", None),
    ("GET", "/api/callbacks/roster/{department}"): ("agent", None),
    ("PUT", "/api/callbacks/roster/{department}"): ("admin", {"body": {"staff": []}}),
    ("PUT", "/api/threads/{thread_id}/triage"): ("thread", {"body": {"level": "high", "reason": "checked"}}),
    ("GET", "/api/triage/rules"): ("admin", None),
    ("PUT", "/api/triage/rules"): ("admin", {"body": {"based_on_version": 1, "rules": {}}}),
    ("GET", "/api/triage/notices"): ("supervisor", None),
    ("GET", "/api/threads/{thread_id}/translations"): ("thread", None),
    ("PUT", "/api/threads/{thread_id}/language"): ("thread", {"body": {"language": "es"}}),
    ("POST", "/api/threads/{thread_id}/translation-preview"): ("thread", {"body": {"body": "Hello"}}),
    ("POST", "/api/threads/{thread_id}/translated-replies"): (
        "thread",
        {"body": {"body": "Hello", "translation": "Hola", "language": "es", "provider": "stand-in"}},
    ),
    ("GET", "/api/translation/settings"): ("admin", None),
    ("PUT", "/api/translation/settings"): ("admin", {"body": {"enabled": True}}),
    ("GET", "/api/translation/usage"): ("supervisor", None),
    ("GET", "/api/feedback/ratings"): ("supervisor", {"query": {"from": "2026-11-01", "to": "2026-11-02"}}),
    ("GET", "/api/feedback/follow-ups"): ("supervisor", None),
    ("POST", "/api/feedback/follow-ups/{follow_up_id}/done"): ("supervisor", None),
    ("POST", "/api/pulse"): ("supervisor", {"body": {"question": "How manageable was your load? 1-5"}}),
    ("GET", "/api/pulse"): ("supervisor", None),
    ("GET", "/api/pulse/open"): ("agent", None),
    ("POST", "/api/pulse/{pulse_id}/answers"): ("agent", {"body": {"token": "t" * 32, "score": 4}}),
    ("GET", "/api/pulse/{pulse_id}/results"): ("supervisor", None),
    ("GET", "/api/triage/oncall"): ("admin", None),
    ("PUT", "/api/triage/oncall"): (
        "admin",
        {"body": {"number": None, "page_url": "https://a.example.org/"}},
    ),
    ("GET", "/api/zones"): ("agent", None),
    ("PUT", "/api/zones"): ("supervisor", None),
    ("DELETE", "/api/zones/{zone_id}"): ("supervisor", None),
    ("POST", "/api/zones/address-points"): ("supervisor", None),
    ("POST", "/api/zones/lookup"): ("agent", None),
    ("POST", "/api/zones/upload"): (
        "supervisor",
        {"body": {"file_name": "z.geojson", "content_base64": "e30="}},
    ),
    # topics and subscribers managed on the page (issue 16 item 7)
    ("GET", "/api/topics"): ("supervisor", None),
    ("POST", "/api/topics"): ("supervisor", {"body": {"code": "HEAT", "name": "Heat"}}),
    ("PUT", "/api/topics/{code}"): ("supervisor", {"body": {"name": "Heat"}}),
    ("POST", "/api/subscribers/lookup"): ("supervisor", {"body": {"address": "+15555550101"}}),
    ("POST", "/api/subscribers/opt-out"): (
        "supervisor",
        {"body": {"address": "+15555550101", "topic": "ALL", "reason": "asked by phone"}},
    ),
    ("GET", "/api/services"): ("agent", None),
    ("PUT", "/api/services/{code}"): ("admin", {"body": {"service_code": "POT", "service_name": "Pothole"}}),
    ("DELETE", "/api/services/{code}"): ("admin", None),
    ("POST", "/api/services/import"): ("admin", {"body": {"services": []}}),
    ("GET", "/api/open311/keys"): ("admin", None),
    ("POST", "/api/open311/keys"): ("admin", {"body": {"name": "City work orders"}}),
    ("DELETE", "/api/open311/keys/{key_id}"): ("admin", None),
    ("GET", "/api/open311/city"): ("admin", None),
    (
        "PUT",
        "/api/open311/city/{target}",
    ): ("admin", {"body": {"endpoint": "https://city.example.gov/open311/v2", "api_key": "k"}}),
    ("DELETE", "/api/open311/city/{target}"): ("admin", None),
    ("GET", "/api/service-requests"): ("agent", None),
    ("PUT", "/api/service-requests/{request_id}/status"): ("agent", {"body": {"status": "closed"}}),
    ("PUT", "/api/service-requests/{request_id}"): ("agent", {"body": {"attributes": {}}}),
    ("GET", "/api/threads/{thread_id}/service-requests"): ("thread", None),
    ("POST", "/api/threads/{thread_id}/service-requests"): (
        "thread",
        {"body": {"service_code": "POT", "attributes": {}}},
    ),
    ("POST", "/api/reminders/records"): ("supervisor", {"body": {"csv": "name\n"}}),
    ("GET", "/api/reminders/records"): ("agent", None),
    ("POST", "/api/reminders/records/{record_id}/complete"): ("agent", None),
    ("GET", "/api/reminders/plans"): ("agent", None),
    ("PUT", "/api/reminders/plans/{kind}"): (
        "admin",
        {"body": {"kind": "permit_renewal", "offsets_days": [7], "texts": {"en": "Due {due_date}"}}},
    ),
    # alerts (AlertsFn)
    ("GET", "/api/alerts/options"): ("supervisor", None),
    ("POST", "/api/alerts/preview"): ("supervisor", None),
    ("POST", "/api/alerts/translate"): ("supervisor", None),
    ("POST", "/api/alerts"): ("supervisor", None),
    ("GET", "/api/alerts"): ("supervisor", None),
    ("GET", "/api/alerts/{alert_id}"): ("supervisor", None),
    ("POST", "/api/alerts/{alert_id}/cancel"): ("supervisor", None),
    # notices (NoticesFn)
    ("GET", "/api/notices"): ("supervisor", None),
    ("GET", "/api/notices/options"): ("supervisor", None),
    ("POST", "/api/notices"): ("supervisor", None),
    ("GET", "/api/notices/{notice_id}"): ("supervisor", None),
    ("PUT", "/api/notices/{notice_id}"): ("supervisor", None),
    ("POST", "/api/notices/{notice_id}/pause"): ("supervisor", None),
    ("POST", "/api/notices/{notice_id}/resume"): ("supervisor", None),
    ("DELETE", "/api/notices/{notice_id}"): ("supervisor", None),
    # click-to-call (CallsFn)
    ("GET", "/api/calls/phone"): ("agent", None),
    ("PUT", "/api/calls/phone"): ("agent", None),
    ("POST", "/api/calls/threads/{thread_id}"): ("thread", None),
    # the web chat's agent routes (WebChatFn)
    ("GET", "/api/webchat/config"): ("agent", None),
    ("POST", "/api/webchat/threads/{thread_id}/typing"): ("thread", None),
    ("GET", "/api/webchat/threads/{thread_id}/contact"): ("thread", None),
    # staff administration (StaffAdminFn)
    ("GET", "/api/admin/staff"): ("admin", None),
    ("POST", "/api/admin/staff"): ("admin", None),
    ("PATCH", "/api/admin/staff/{sub}"): ("admin", None),
    ("POST", "/api/admin/staff/{sub}/disable"): ("admin", None),
    ("POST", "/api/admin/staff/{sub}/enable"): ("admin", None),
    ("GET", "/api/admin/departments"): ("admin", None),
    ("PUT", "/api/admin/departments/{department_id}"): ("admin", None),
    ("GET", "/api/admin/settings"): ("admin", None),
    ("PUT", "/api/admin/settings"): ("admin", None),
}

PATH_VALUES = {
    "thread_id": THREAD,
    "media_id": "SM" + "a1" * 16 + "-0",
    "alert_id": "al0123456789abcdef",
    "canned_id": "greeting",
    "table": "daily",
    "callback_id": "cb-0123456789abcdef",
    "department": "water",
    "zone_id": "zip-94110",
    "record_id": "rec-1",
    "kind": "permit_renewal",
    "notice_id": "nt0123456789abcdef",
    "sub": "d0000000-0000-4000-8000-00000000000d",  # nobody: no persona is changed by an admin's call
    "department_id": "parks",
    "code": "POT",
    "key_id": "0123456789abcdef",
    "target": "_all",
    "request_id": "1001",
    "follow_up_id": "SM" + "b2" * 16,
    "pulse_id": "pu0123456789abcdef",
}

HANDLER_MODULES = {
    "app.handlers.agent_api.handler": "agent_api",
    "app.handlers.alerts_api.handler": "alerts_api",
    "app.handlers.notice_routes.handler": "notices_api",
    "calls.handlers.call_routes.handler": "calls_api",
    "app.handlers.chat_api.handler": "webchat_api",
    "staff.handlers.staff_admin.handler": "staff_admin",
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The app synthesized as `npx cdk synth` runs it (asset staging off; a placeholder deps layer)."""
    context: dict[str, Any] = {"aws:cdk:disable-asset-staging": True}
    if not (REPO_ROOT / "build" / "layers" / "deps" / "python").is_dir():
        placeholder = tmp_path_factory.mktemp("deps-layer")
        (placeholder / "python").mkdir()
        context["depsLayerPath"] = str(placeholder)
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = build_app(context, outdir=str(outdir))
    try:
        app.synth()
    except RuntimeError:
        pass  # cdk-nag findings are the infra tier's business; the template is written first
    return dict(json.loads(Path(outdir, f"{STACK_NAME}.template.json").read_text(encoding="utf-8")))


def staff_routes_of(template: dict[str, Any]) -> dict[str, list[str]]:
    """Handler string -> the JWT-authorized route keys ("GET /api/alerts", "ANY /api/{proxy+}") it serves."""
    resources = template["Resources"]
    handler_of_integration = {}
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::ApiGatewayV2::Integration":
            function_id = resource["Properties"]["IntegrationUri"]["Fn::GetAtt"][0]
            handler_of_integration[logical_id] = resources[function_id]["Properties"]["Handler"]
    served: dict[str, list[str]] = {}
    for resource in resources.values():
        if resource["Type"] != "AWS::ApiGatewayV2::Route":
            continue
        props = resource["Properties"]
        if props.get("AuthorizationType") != "JWT":
            continue
        integration = props["Target"]["Fn::Join"][1][1]["Ref"]
        served.setdefault(handler_of_integration[integration], []).append(props["RouteKey"])
    return served


def resolver_routes(module: Any) -> set[tuple[str, str]]:
    schema = module.app.get_openapi_schema()
    return {
        (method.upper(), path)
        for path, item in schema.paths.items()
        for method in item.model_dump(exclude_none=True)
    }


def _reaches(route_key: str, method: str, path: str, template_keys: set[str]) -> bool:
    """Whether API Gateway sends `method path` to this route key (the most specific key wins)."""
    key_method, key_path = route_key.split(" ", 1)
    if key_method not in ("ANY", method):
        return False
    if key_path.endswith("/{proxy+}"):
        prefix = key_path.removesuffix("{proxy+}")
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        more_specific = any(
            other != route_key
            and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", other.split(" ", 1)[1]), concrete)
            for other in template_keys
        )
        return path.startswith(prefix) and not more_specific
    return key_path == path


@pytest.fixture
def staff_table(aws: Aws) -> Iterator[Aws]:
    """The personas' profiles, two departments and the water thread a colleague holds."""
    for name, (departments, enabled) in PROFILES.items():
        claims = PERSONAS[name]
        assert claims is not None
        aws.table.put_item(
            Item={
                "pk": f"STAFF#{claims['sub']}",
                "sk": "PROFILE",
                "sub": claims["sub"],
                "email": f"{name}@example.gov",
                "groups": [claims["cognito:groups"].strip("[]")],
                "departments": departments,
                "enabled": enabled,
            }
        )
    for department in ("water", "roads"):
        aws.table.put_item(
            Item={
                "pk": f"DEPT#{department}",
                "sk": "DEPARTMENT",
                "department_id": department,
                "name": department,
            }
        )
    at = "2026-11-25T10:00:00.000000Z"
    aws.table.put_item(
        Item={
            "pk": f"THREAD#{THREAD}",
            "sk": "META",
            "thread_id": THREAD,
            "resident": {"address": "+15555550123", "channel": "sms"},
            "channel": "sms",
            "status": "open",
            "department_id": "water",
            "assignee": COLLEAGUE,
            "last_activity_at": at,
            "created_at": at,
            "last_message_preview": "hi",
            "last_direction": "in",
            "unread": 0,
            "gsi1pk": "THREADS",
            "gsi1sk": f"{at}#{THREAD}",
        }
    )
    yield aws


def test_every_staff_route_in_the_template_answers_each_caller_as_the_table_says(
    template: dict[str, Any],
    staff_table: Aws,
    request: pytest.FixtureRequest,
    context: LambdaContext,
) -> None:
    served = staff_routes_of(template)
    assert set(served) == set(HANDLER_MODULES), "a staff function the walk does not know"
    template_keys = {key for keys in served.values() for key in keys}

    # Given every route API Gateway sends to each staff function, behind the JWT authorizer
    walked: dict[tuple[str, str], Any] = {}
    for handler_string, route_keys in served.items():
        module = request.getfixturevalue(HANDLER_MODULES[handler_string])
        for method, path in resolver_routes(module):
            if any(_reaches(key, method, path, template_keys) for key in route_keys):
                walked[(method, path)] = module
    assert sorted(walked) == sorted(ROUTES), "the table and the template's staff routes differ"

    # When each caller calls each route, Then they get what the table says
    wrong = []
    for persona in ("anonymous", "disabled", "outsider", "agent", "supervisor", "admin"):
        for (method, path), (kind, shape) in ROUTES.items():
            concrete = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)
            event = api_event(
                method,
                concrete,
                query=(shape or {}).get("query"),
                body=(shape or {}).get("body", {} if method in ("POST", "PUT", "PATCH") else None),
                claims=PERSONAS[persona],
            )
            if PERSONAS[persona] is None:
                event["requestContext"]["authorizer"] = None
            expected = OUTCOMES[kind][persona]
            try:
                status: int | str = walked[(method, path)].handler(event, context)["statusCode"]
            except Exception as error:  # noqa: BLE001 - a route that ran and failed past the gate
                # (e.g. a workflow ARN this tier does not configure) was let in: fine for OK, wrong otherwise
                status = f"raised {type(error).__name__}"
            if (expected == OK and status in (401, 403)) or (expected != OK and status != expected):
                wrong.append(f"{persona} {method} {path}: {status}, expected {expected}")
    assert wrong == []


def test_agents_list_and_take_only_the_callbacks_of_their_departments(
    staff_table: Aws, agent_api: Any, context: LambdaContext
) -> None:
    # Given a callback waiting in water and one in roads
    from callbacks.dal.callback_table import callback_key
    from callbacks.models.callbacks import TASKS_INDEX_PK

    at = "2026-11-25T10:00:00.000000Z"
    for callback_id, department in (("cb-0a7e0001", "water"), ("cb-0a7e0002", "roads")):
        staff_table.table.put_item(
            Item={
                **callback_key(callback_id),
                "gsi1pk": TASKS_INDEX_PK,
                "gsi1sk": f"{at}#{callback_id}",
                "callback_id": callback_id,
                "thread_id": THREAD,
                "department": department,
                "slot_at": at,
                "remind_at": at,
                "status": "due",
                "attempt": 1,
                "escalated": False,
                "created_at": at,
                "updated_at": at,
            }
        )

    def listed(persona: str) -> set[str]:
        event = api_event("GET", "/api/callbacks/tasks", claims=PERSONAS[persona])
        status, body = call(agent_api, context, event)
        assert status == 200, body
        return {task["callback_id"] for task in body["tasks"]}

    # Then the water agent sees water's, the roads agent roads', a supervisor (scope "all") and an admin both
    assert listed("agent") == {"cb-0a7e0001"}
    assert listed("outsider") == {"cb-0a7e0002"}
    assert listed("supervisor") == listed("admin") == {"cb-0a7e0001", "cb-0a7e0002"}
    # And the roads agent cannot take water's callback
    take = api_event("POST", "/api/callbacks/cb-0a7e0001/take", claims=PERSONAS["outsider"])
    assert call(agent_api, context, take)[0] == 403
