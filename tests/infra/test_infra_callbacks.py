"""The callback workflow as synthesized: waits, agent tasks with task tokens, retries with jitter, the failure
path, timeouts and least privilege."""

from __future__ import annotations

import json
from typing import Any

import pytest
from infra_template_view import TemplateView


def definition_of(cfn: TemplateView, logical_id: str) -> dict[str, Any]:
    raw = cfn.props(logical_id)["DefinitionString"]
    if isinstance(raw, dict) and "Fn::Join" in raw:
        raw = "".join(part if isinstance(part, str) else "TOKEN" for part in raw["Fn::Join"][1])
    return dict(json.loads(raw))


@pytest.fixture(scope="module")
def machine(cfn: TemplateView) -> dict[str, Any]:
    return definition_of(cfn, "CallbackWorkflow")


def test_standard_workflow_with_timeout_tracing_and_logs(cfn: TemplateView, machine: dict[str, Any]) -> None:
    props = cfn.props("CallbackWorkflow")
    assert props.get("StateMachineType", "STANDARD") == "STANDARD"
    assert props["TracingConfiguration"] == {"Enabled": True}
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    assert 0 < machine["TimeoutSeconds"] <= 60 * 86400


def test_waits_for_reminder_and_slot_by_timestamp(machine: dict[str, Any]) -> None:
    states = machine["States"]
    assert states["WaitUntilReminder"] == {
        "Type": "Wait",
        "TimestampPath": "$.callback.remind_at",
        "Next": "Remind",
    }
    assert states["WaitUntilSlot"]["TimestampPath"] == "$.callback.slot_at"
    assert states["Remind"]["Next"] == "WaitUntilSlot"


def test_agent_tasks_wait_for_a_task_token_with_timeouts(machine: dict[str, Any]) -> None:
    states = machine["States"]
    for name, status in (
        ("OfferToAgents", "due"),
        ("OfferToSupervisors", "escalated"),
        ("AwaitOutcome", "in_call"),
    ):
        state = states[name]
        assert state["Resource"].endswith(":states:::lambda:invoke.waitForTaskToken"), name
        assert state["Parameters"]["Payload"]["task_token.$"] == "$$.Task.Token"
        assert state["Parameters"]["Payload"]["status"] == status
        assert state["TimeoutSeconds"] > 0
    # Nobody takes it within the configured minutes: supervisors get it.
    assert states["OfferToAgents"]["TimeoutSeconds"] == 10 * 60
    escalation = [c for c in states["OfferToAgents"]["Catch"] if c["ErrorEquals"] == ["States.Timeout"]]
    assert escalation and escalation[0]["Next"] == "OfferToSupervisors"
    assert states["OfferToAgents"]["Next"] == "AwaitOutcome"
    assert states["OfferToSupervisors"]["Next"] == "AwaitOutcome"


def test_outcomes_done_retry_once_then_text(machine: dict[str, Any]) -> None:
    states = machine["States"]
    choices = states["Outcome"]["Choices"]
    assert choices[0]["Next"] == "Done"
    assert choices[1]["Next"] == "WaitBeforeRetry"
    assert {"Variable": "$.attempt", "NumericEquals": 1} in choices[1]["And"]
    assert choices[2]["Next"] == "TextNoAnswer"
    assert states["Outcome"]["Default"] == "RecordFailure"
    assert states["WaitBeforeRetry"] == {"Type": "Wait", "Seconds": 30 * 60, "Next": "SecondAttempt"}
    assert states["SecondAttempt"]["Result"] == 2
    assert states["SecondAttempt"]["Next"] == "OfferToAgents"
    assert states["Done"]["Next"] == states["TextNoAnswer"]["Next"] == "Finished"


TASKS = ["Remind", "OfferToAgents", "OfferToSupervisors", "AwaitOutcome", "Done", "TextNoAnswer"]


@pytest.mark.parametrize("name", TASKS)
def test_every_step_retries_with_backoff_and_jitter_and_catches_to_failure(
    machine: dict[str, Any], name: str
) -> None:
    state = machine["States"][name]
    retry = state["Retry"][0]
    assert "Lambda.TooManyRequestsException" in retry["ErrorEquals"]
    assert retry["BackoffRate"] == 2
    assert retry["JitterStrategy"] == "FULL"
    assert retry["MaxAttempts"] >= 3
    assert retry["MaxDelaySeconds"] <= 60
    assert state["TimeoutSeconds"] > 0
    catch_all = [c for c in state["Catch"] if c["ErrorEquals"] == ["States.ALL"]]
    assert catch_all and catch_all[0]["Next"] == "RecordFailure"


def test_failure_path_ends_failed(machine: dict[str, Any]) -> None:
    states = machine["States"]
    assert states["RecordFailure"]["Next"] == "Failed"
    assert states["RecordFailure"]["Catch"][0]["Next"] == "Failed"
    assert states["Failed"]["Type"] == "Fail"


def test_state_machine_may_invoke_only_the_steps_function(cfn: TemplateView) -> None:
    policies = [
        p
        for p in cfn.of_type("AWS::IAM::Policy").values()
        if any(
            r.get("Ref", "").startswith("CallbacksCallbackWorkflowRole")
            for r in p["Properties"].get("Roles", [])
        )
    ]
    assert policies
    invokes = [
        s
        for p in policies
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "lambda:InvokeFunction" in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    ]
    assert invokes
    for statement in invokes:
        assert "CallbackStepsFn" in json.dumps(statement["Resource"])
