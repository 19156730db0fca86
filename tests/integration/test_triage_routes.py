"""Triage routes through the agent API on moto (issue 17): staff override (audited, holds until the next
message), the rules an admin edits (versioned, validated, audited) and what the inbound step then uses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from triage.dal.triage_table import TriageTable
from triage.logic.rules_store import TableRules

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_inbox_views import AGENT, ME, SUPERVISOR, thread
from tests.integration.test_triage import make_deliver

ADMIN = {
    "sub": "33333333-3333-4333-8333-333333333333",
    "email": "admin@example.org",
    "cognito:groups": "[admin]",
}


def api(
    agent_api: Any, context: LambdaContext, method: str, path: str, claims: dict[str, Any], body: Any = None
) -> tuple[int, Any]:
    return call(agent_api, context, api_event(method, path, body=body, claims=claims))


def save(agent_api: Any, context: LambdaContext, version: int, rules: dict[str, Any]) -> tuple[int, Any]:
    body = {"based_on_version": version, "rules": rules}
    return api(agent_api, context, "PUT", "/api/triage/rules", ADMIN, body)


def in_water(aws: Aws, thread_id: str) -> None:
    """The thread routed to water, and the agent (ME) a member of water."""
    aws.table.update_item(
        Key={"pk": f"THREAD#{thread_id}", "sk": "META"},
        UpdateExpression="SET department_id = :water",
        ExpressionAttributeValues={":water": "water"},
    )
    aws.table.put_item(Item={"pk": f"STAFF#{ME}", "sk": "PROFILE", "sub": ME, "departments": ["water"]})


def audit(aws: Aws) -> list[dict[str, Any]]:
    return [i for i in aws.items() if i["pk"].startswith("AUDIT#")]


def test_staff_overrule_a_level_with_a_reason_until_the_next_message(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    deliver = make_deliver(aws)
    thread_id = deliver("SM" + "a" * 32, "I smell gas", "2020-12-07T09:00:00.000000Z")
    in_water(aws, thread_id)  # the agent's department: an agent acts on threads of their departments
    status, body = api(
        agent_api,
        context,
        "PUT",
        f"/api/threads/{thread_id}/triage",
        AGENT,
        {"level": "normal", "reason": "Called back: it was the stove's pilot, fixed"},
    )
    assert status == 200
    assert body["triage_level"] == "normal" and body["triage_override"]["reason"].startswith("Called back")
    (entry,) = [a for a in audit(aws) if a["action"] == "triage.override"]
    assert entry["detail"] == {"level": "normal"} and entry["thread_id"] == thread_id
    # A redelivery of the message before the override changes nothing...
    deliver("SM" + "a" * 32, "I smell gas", "2020-12-07T09:00:00.000000Z")
    assert TriageTable(aws.table).thread(thread_id)["triage_level"] == "normal"  # type: ignore[index]
    # ...the resident's next message replaces it, whatever its level.
    at = "2099-01-01T00:00:00.000000Z"  # after the override, which used the clock (messages: 2020)
    deliver("SM" + "b" * 32, "ok thanks, also when is trash day", at)
    after = TriageTable(aws.table).thread(thread_id)
    assert after is not None and after["triage_level"] == "normal" and "triage_override" not in after


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"level": "urgent", "reason": "why not"}, 422),
        ({"level": "high"}, 422),
        ({"level": "high", "reason": "ok", "extra": 1}, 422),
    ],
)
def test_an_override_needs_a_level_and_a_reason(
    aws: Aws, agent_api: Any, context: LambdaContext, body: dict[str, Any], status: int
) -> None:
    aws.table.put_item(Item=thread(1))
    in_water(aws, "t001")
    assert api(agent_api, context, "PUT", "/api/threads/t001/triage", AGENT, body)[0] == status


def test_an_override_of_an_unknown_thread_is_404(aws: Aws, agent_api: Any, context: LambdaContext) -> None:
    status, _ = api(
        agent_api, context, "PUT", "/api/threads/nope/triage", AGENT, {"level": "high", "reason": "x y z"}
    )
    assert status == 404


def test_an_admin_edits_the_rules_as_a_new_audited_version_the_step_then_uses(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    status, current = api(agent_api, context, "GET", "/api/triage/rules", ADMIN)
    assert status == 200 and current["shipped"] is True
    rules = current["rules"]
    rules["rules"].append({"code": "safety.bees", "level": "high", "phrases": {"en": ["swarm of bees"]}})

    status, saved = save(agent_api, context, current["version"], rules)
    assert status == 200
    assert saved["version"] == current["version"] + 1 and saved["shipped"] is False
    assert [a["detail"] for a in audit(aws) if a["action"] == "triage.rules"] == [
        {"version": str(saved["version"])}
    ]
    scorer = TableRules(TriageTable(aws.table)).scorer()
    assert scorer.version == saved["version"]
    assert scorer.score("a swarm of bees in the kitchen").level == "high"

    # Saving on top of the old version again is a conflict; nothing changes.
    status, _ = save(agent_api, context, current["version"], rules)
    assert status == 409


def test_invalid_rules_are_refused_with_where_not_what(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    _, current = api(agent_api, context, "GET", "/api/triage/rules", ADMIN)
    rules = current["rules"]
    rules["rules"][0]["level"] = "urgent"
    status, body = save(agent_api, context, current["version"], rules)
    assert status == 400
    assert body["problems"] and body["problems"][0].startswith("rules.0.level")
    assert api(agent_api, context, "GET", "/api/triage/rules", ADMIN)[1]["shipped"] is True


def test_rules_are_for_admins_and_notices_for_supervisors(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    assert api(agent_api, context, "GET", "/api/triage/rules", SUPERVISOR)[0] == 403
    assert api(agent_api, context, "GET", "/api/triage/notices", AGENT)[0] == 403
    assert api(agent_api, context, "GET", "/api/triage/notices", SUPERVISOR)[0] == 200


def test_supervisors_see_the_crisis_answers_sent(aws: Aws, agent_api: Any, context: LambdaContext) -> None:
    deliver = make_deliver(aws)
    thread_id = deliver("SM" + "c" * 32, "i want to kill myself", "2026-12-07T09:00:00.000000Z")
    status, body = api(agent_api, context, "GET", "/api/triage/notices", SUPERVISOR)
    assert status == 200
    assert body["notices"] == [
        {
            "kind": "triage.crisis",
            "thread_id": thread_id,
            "codes": ["self_harm.intent"],
            "at": "2026-12-07T09:00:00.000000Z",
        }
    ]
    assert "kill" not in json.dumps(body)


def test_an_admin_sets_the_oncall_number_audited_without_the_number(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    page = "https://agents.example.org/agent/"
    assert api(agent_api, context, "GET", "/api/triage/oncall", ADMIN) == (
        200,
        {"number": None, "page_url": None, "updated_at": None, "updated_by": None},
    )
    body = {"number": "(202) 555-0143", "page_url": page}
    status, saved = api(agent_api, context, "PUT", "/api/triage/oncall", ADMIN, body)
    assert status == 200
    assert (saved["number"], saved["page_url"], saved["updated_by"]) == ("+12025550143", page, ADMIN["sub"])
    assert api(agent_api, context, "GET", "/api/triage/oncall", ADMIN)[1] == saved
    (entry,) = audit(aws)
    assert entry["action"] == "triage.oncall" and entry["detail"] == {"texted": "yes"}
    assert "555" not in json.dumps(entry, default=str)

    # Cleared: nobody is texted
    status, cleared = api(
        agent_api, context, "PUT", "/api/triage/oncall", ADMIN, {"number": "", "page_url": page}
    )
    assert status == 200 and cleared["number"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"number": "call me", "page_url": "https://a.example.org/"},
        {"number": "+12025550143", "page_url": "javascript:alert(1)"},
        {"number": "+12025550143", "page_url": "http://a.example.org/"},
        {"number": "+12025550143"},
    ],
)
def test_an_oncall_setting_that_is_not_a_number_and_a_page_is_refused(
    body: dict[str, Any], aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    assert api(agent_api, context, "PUT", "/api/triage/oncall", ADMIN, body)[0] == 422
    assert TriageTable(aws.table).oncall() is None


def test_the_oncall_number_is_for_admins(aws: Aws, agent_api: Any, context: LambdaContext) -> None:
    body = {"number": "+12025550143", "page_url": "https://a.example.org/"}
    assert api(agent_api, context, "PUT", "/api/triage/oncall", SUPERVISOR, body)[0] == 403
    assert api(agent_api, context, "GET", "/api/triage/oncall", SUPERVISOR)[0] == 403
