"""The callback workflow on the local stack: the synthesized state machine runs in moto's interpreter
(patched, time-accelerated 300x), its Lambda steps run the real handler, agents answer through the agent
API."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from infra.local.seed import DEMO_AGENT2_EMAIL
from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, REGION, LocalStack
from tests.e2e.test_local_stack_api import call, eventually, resident

pytestmark = pytest.mark.e2e


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def thread_of(stack: LocalStack, address: str) -> str:
    status, _ = stack.send_inbound(address, "Can someone call me about my permit?")
    assert status == 200
    stack.wait_until_idle()
    table = boto3.resource("dynamodb", endpoint_url=stack.moto_url, region_name=REGION).Table(
        stack.outputs["TableName"]
    )
    thread_id = str(table.get_item(Key={"pk": f"ADDR#{address}", "sk": "RESIDENT"})["Item"]["thread_id"])
    # Routed to water, the callback's department and the agent's: agents open their departments' threads.
    table.update_item(
        Key={"pk": f"THREAD#{thread_id}", "sk": "META"},
        UpdateExpression="SET department_id = :water",
        ExpressionAttributeValues={":water": "water"},
    )
    return thread_id


def book(stack: LocalStack, thread_id: str, slot_in: timedelta, remind_before: timedelta) -> str:
    from callbacks.dal.callback_table import CallbackTable
    from callbacks.integrations.task_responses import WorkflowStarter
    from callbacks.models.callbacks import CallbackStart

    now = datetime.now(UTC)
    start = CallbackStart(
        callback_id="cb-" + secrets.token_hex(8),
        thread_id=thread_id,
        department="water",
        slot_at=iso(now + slot_in),
        remind_at=iso(now + slot_in - remind_before),
    )
    table = boto3.resource("dynamodb", endpoint_url=stack.moto_url, region_name=REGION).Table(
        stack.outputs["TableName"]
    )
    assert CallbackTable(table).create(start, iso(now))
    starter = WorkflowStarter(
        boto3.client("stepfunctions", endpoint_url=stack.moto_url, region_name=REGION),
        stack.state_machine_arn("CallbackWorkflow"),
    )
    first = starter.start(start.callback_id, start.model_dump())
    assert starter.start(start.callback_id, start.model_dump()) == first  # starting twice starts one
    return start.callback_id


def task(stack: LocalStack, token: str, callback_id: str, status: str) -> dict[str, Any] | None:
    code, _, body = call(stack, "GET", "/api/callbacks/tasks", token)
    assert code == 200, body
    for item in json.loads(body)["tasks"]:
        if item["callback_id"] == callback_id and item["status"] == status:
            return dict(item)
    return None


def execution(stack: LocalStack, callback_id: str) -> dict[str, Any]:
    arn = (
        stack.state_machine_arn("CallbackWorkflow").replace(":stateMachine:", ":execution:")
        + ":"
        + callback_id
    )
    sfn = boto3.client("stepfunctions", endpoint_url=stack.moto_url, region_name=REGION)
    return dict(sfn.describe_execution(executionArn=arn))


def thread_bodies(stack: LocalStack, token: str, thread_id: str) -> list[str]:
    code, _, body = call(stack, "GET", f"/api/threads/{thread_id}", token)
    assert code == 200
    return [m["body"] for m in json.loads(body)["messages"] if m["direction"] == "out"]


@pytest.fixture(scope="module")
def tokens(local_stack: LocalStack) -> dict[str, str]:
    return {
        "supervisor": local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD),
        "agent": local_stack.sign_in(DEMO_AGENT2_EMAIL, DEMO_AGENT_PASSWORD),
    }


def test_reminder_then_task_taken_and_done(local_stack: LocalStack, tokens: dict[str, str]) -> None:
    stack, agent = local_stack, tokens["agent"]
    thread_id = thread_of(stack, resident())
    # An hour ahead, reminded 30 minutes before: 12 s and 6 s at 300x.
    callback_id = book(stack, thread_id, timedelta(hours=1), timedelta(minutes=30))
    eventually(lambda: any("reminder" in b for b in thread_bodies(stack, agent, thread_id)), 15)
    assert task(stack, agent, callback_id, "due") is None  # not before the slot
    eventually(lambda: task(stack, agent, callback_id, "due"), 20)
    code, _, body = call(stack, "POST", f"/api/callbacks/{callback_id}/take", agent)
    assert code == 200, body
    # A second agent cannot take it again.
    code, _, _ = call(stack, "POST", f"/api/callbacks/{callback_id}/take", tokens["supervisor"])
    assert code == 409
    eventually(lambda: task(stack, agent, callback_id, "in_call"), 30)
    code, _, body = call(stack, "POST", f"/api/callbacks/{callback_id}/outcome", agent, {"outcome": "done"})
    assert code == 200, body
    result = eventually(lambda: (e := execution(stack, callback_id))["status"] != "RUNNING" and e, 30)
    assert result["status"] == "SUCCEEDED"
    history = boto3.client("stepfunctions", endpoint_url=stack.moto_url, region_name=REGION)
    events = history.get_execution_history(executionArn=result["executionArn"])["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
    assert entered[-2:] == ["Done", "Finished"]
    assert "OfferToSupervisors" not in entered


def test_nobody_takes_it_escalates_to_supervisors(local_stack: LocalStack, tokens: dict[str, str]) -> None:
    stack, agent, supervisor = local_stack, tokens["agent"], tokens["supervisor"]
    thread_id = thread_of(stack, resident())
    callback_id = book(stack, thread_id, timedelta(minutes=5), timedelta(minutes=3))
    eventually(lambda: task(stack, agent, callback_id, "due"), 15)
    # Nobody takes it within the configured 10 minutes (8 s here): supervisors see it, plain agents do not.
    escalated = eventually(lambda: task(stack, supervisor, callback_id, "escalated"), 15)
    assert escalated["escalated"] is True
    assert task(stack, agent, callback_id, "escalated") is None
    code, _, _ = call(stack, "POST", f"/api/callbacks/{callback_id}/take", agent)
    assert code == 403
    code, _, body = call(stack, "POST", f"/api/callbacks/{callback_id}/take", supervisor)
    assert code == 200, body
    eventually(lambda: task(stack, supervisor, callback_id, "in_call"), 30)
    code, _, _ = call(stack, "POST", f"/api/callbacks/{callback_id}/outcome", supervisor, {"outcome": "done"})
    assert code == 200
    result = eventually(lambda: (e := execution(stack, callback_id))["status"] != "RUNNING" and e, 30)
    assert result["status"] == "SUCCEEDED"


def test_no_answer_retries_once_then_texts_the_resident(
    local_stack: LocalStack, tokens: dict[str, str]
) -> None:
    stack, agent = local_stack, tokens["agent"]
    thread_id = thread_of(stack, resident())
    callback_id = book(stack, thread_id, timedelta(minutes=5), timedelta(minutes=3))
    for attempt in (1, 2):
        due = eventually(lambda: task(stack, agent, callback_id, "due"), 20)
        assert due["attempt"] == attempt
        code, _, body = call(stack, "POST", f"/api/callbacks/{callback_id}/take", agent)
        assert code == 200, body
        eventually(lambda: task(stack, agent, callback_id, "in_call"), 30)
        code, _, body = call(
            stack, "POST", f"/api/callbacks/{callback_id}/outcome", agent, {"outcome": "no_answer"}
        )
        assert code == 200, body
    result = eventually(lambda: (e := execution(stack, callback_id))["status"] != "RUNNING" and e, 30)
    assert result["status"] == "SUCCEEDED"
    bodies = eventually(
        lambda: [b for b in thread_bodies(stack, agent, thread_id) if "could not reach" in b], 10
    )
    assert len(bodies) == 1


def test_outcome_needs_the_agent_on_the_call(local_stack: LocalStack, tokens: dict[str, str]) -> None:
    stack, agent = local_stack, tokens["agent"]
    code, _, _ = call(stack, "POST", "/api/callbacks/cb-00000000/outcome", agent, {"outcome": "done"})
    assert code == 409
    code, _, _ = call(stack, "POST", "/api/callbacks/not-an-id/take", agent)
    assert code == 404
    code, _, _ = call(stack, "POST", "/api/callbacks/cb-00000000/outcome", agent, {"outcome": "maybe"})
    assert code == 422
    code, _, _ = call(stack, "GET", "/api/callbacks/tasks")
    assert code == 401
