"""The reminder workflow as synthesized: one loop of a Lambda step and a Wait by timestamp, retries with
backoff and full jitter, a catch to the failure path, timeouts, and who may start it."""

from __future__ import annotations

from typing import Any

import pytest
from infra_template_view import TemplateView
from test_infra_callbacks import definition_of


@pytest.fixture(scope="module")
def machine(cfn: TemplateView) -> dict[str, Any]:
    return definition_of(cfn, "ReminderWorkflow")


def test_a_standard_workflow_with_a_timeout_tracing_and_logs(
    cfn: TemplateView, machine: dict[str, Any]
) -> None:
    props = cfn.props("ReminderWorkflow")
    assert props.get("StateMachineType", "STANDARD") == "STANDARD"
    assert props["TracingConfiguration"] == {"Enabled": True}
    assert props["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["TimeoutSeconds"] == 365 * 86400


def test_advance_waits_by_timestamp_and_loops_until_finished(machine: dict[str, Any]) -> None:
    states = machine["States"]
    assert machine["StartAt"] == "Start"
    assert states["Start"]["Parameters"]["step"] == {"phase": "plan", "index": 0}
    assert states["Advance"]["Next"] == "Next"
    assert states["Advance"]["ResultPath"] == "$.step"
    assert states["WaitUntilDue"] == {"Type": "Wait", "TimestampPath": "$.step.until", "Next": "Advance"}
    choices = {c["StringEquals"]: c["Next"] for c in states["Next"]["Choices"]}
    assert choices == {"finish": "Finished", "wait": "WaitUntilDue"}
    assert states["Next"]["Default"] == "Advance"


def test_steps_retry_with_backoff_and_jitter_time_out_and_catch_to_the_failure_path(
    machine: dict[str, Any],
) -> None:
    states = machine["States"]
    for name in ("Advance", "RecordFailure"):
        retry = states[name]["Retry"][0]
        assert retry["BackoffRate"] == 2 and retry["JitterStrategy"] == "FULL" and retry["MaxAttempts"] == 5
        assert "Lambda.TooManyRequestsException" in retry["ErrorEquals"]
        assert states[name]["TimeoutSeconds"] == 30
    assert states["Advance"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "RecordFailure"}
    ]
    assert states["RecordFailure"]["Next"] == "Failed"
    assert states["Failed"]["Type"] == "Fail"


def test_only_the_agent_api_starts_reminders_and_the_steps_send_through_the_outbound_queue(
    cfn: TemplateView,
) -> None:
    starters = {
        logical_id
        for logical_id in ("AgentApiFn", "InboundConsumerFn", "ReminderStepsFn", "CallbackStepsFn")
        if "states:StartExecution" in cfn.actions_on(logical_id)
    }
    assert "AgentApiFn" in starters and "ReminderStepsFn" not in starters
    assert cfn.actions_on("ReminderStepsFn").get("sqs:SendMessage") == {"OutboundQueue"}
