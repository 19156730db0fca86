"""The local stack's moto patches, on a real moto server in this process: what moto alone gets wrong.

Each test shows a behaviour that fails on unpatched moto 5.2.5: unnamed starts, Wait timestamps with offsets,
Lambda tasks running real code (and their errors reaching Retry/Catch), time acceleration, schedules firing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from infra.local.stack import free_port
from infra.local.workflows import (
    LocalScheduler,
    TimeScale,
    install_moto_patches,
    register_functions,
    target_firer,
    wait_for,
)

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/local"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:switchboard-Greeter"


class FlakyError(Exception):
    pass


CALLS: list[dict[str, Any]] = []


def greeter(event: dict[str, Any]) -> dict[str, Any]:
    CALLS.append(event)
    if event.get("fail"):
        raise FlakyError("told to fail")
    return {"greeting": f"hello {event['name']}", "length": len(event["name"])}


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    saved = dict(os.environ)
    port = free_port()
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION,
            "MOTO_PORT": str(port),
            "TZ": "America/Los_Angeles",  # the Wait patch must not depend on the process's zone
        }
    )
    time.tzset()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    config = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
    request = urllib.request.Request(
        url + "/moto-api/config", data=json.dumps(config).encode(), method="POST"
    )
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 - 127.0.0.1
    install_moto_patches()
    register_functions({FUNCTION_ARN: greeter})
    try:
        yield url
    finally:
        server.stop()
        os.environ.clear()
        os.environ.update(saved)
        time.tzset()
        TimeScale.factor = 1.0


@pytest.fixture(autouse=True)
def moto_environment(moto_url: str, environment: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """After the tier's per-test environment (which drops unknown variables): the interpreter finds moto by
    MOTO_PORT and signs its calls with these credentials."""
    monkeypatch.setenv("MOTO_PORT", moto_url.rsplit(":", 1)[1])
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")


def client(url: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name=REGION)


def machine(url: str, name: str, definition: dict[str, Any]) -> str:
    sfn = client(url, "stepfunctions")
    return str(
        sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
    )


def finished(url: str, execution_arn: str, timeout_s: float = 15) -> dict[str, Any]:
    sfn = client(url, "stepfunctions")

    def done() -> dict[str, Any] | None:
        described = sfn.describe_execution(executionArn=execution_arn)
        return described if described["status"] != "RUNNING" else None

    return dict(wait_for(done, timeout_s))


PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def test_unnamed_starts_get_distinct_names(moto_url: str) -> None:
    sfn = client(moto_url, "stepfunctions")
    arn = machine(moto_url, "unnamed", PASS)
    first = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    second = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert first != second
    assert not first.endswith(":None")
    names = {e["name"] for e in sfn.list_executions(stateMachineArn=arn)["executions"]}
    assert len(names) == 2


def test_named_start_twice_is_one_execution(moto_url: str) -> None:
    """As on AWS: same name and input while running returns that one; once closed, the name is taken."""
    sfn = client(moto_url, "stepfunctions")
    waiting = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 2, "End": True}}}
    arn = machine(moto_url, "named", waiting)
    one = sfn.start_execution(stateMachineArn=arn, name="cb-123", input="{}")["executionArn"]
    two = sfn.start_execution(stateMachineArn=arn, name="cb-123", input="{}")["executionArn"]
    assert one == two
    assert finished(moto_url, one)["status"] == "SUCCEEDED"
    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=arn, name="cb-123", input="{}")
    assert len(sfn.list_executions(stateMachineArn=arn)["executions"]) == 1


@pytest.mark.parametrize("offset", ["Z", "+00:00", "-05:00"])
def test_wait_timestamp_with_offset_waits_until_then(moto_url: str, offset: str) -> None:
    sfn = client(moto_url, "stepfunctions")
    definition = {
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "TimestampPath": "$.at", "Next": "P"},
            "P": {"Type": "Pass", "End": True},
        },
    }
    arn = machine(moto_url, f"wait{offset.replace(':', '').replace('+', 'p').replace('-', 'm')}", definition)
    zone = dt.UTC if offset in ("Z", "+00:00") else dt.timezone(dt.timedelta(hours=-5))
    target = dt.datetime.now(zone) + dt.timedelta(seconds=2)
    text = target.replace(microsecond=0).isoformat()
    text = text.replace("+00:00", "Z") if offset == "Z" else text
    began = time.monotonic()
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"at": text}))["executionArn"]
    result = finished(moto_url, execution)
    elapsed = time.monotonic() - began
    assert result["status"] == "SUCCEEDED", result
    assert 0.5 <= elapsed < 6, elapsed


def test_lambda_task_runs_the_real_handler(moto_url: str) -> None:
    sfn = client(moto_url, "stepfunctions")
    definition = {
        "StartAt": "Greet",
        "States": {
            "Greet": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": FUNCTION_ARN, "Payload.$": "$"},
                "OutputPath": "$.Payload",
                "End": True,
            }
        },
    }
    arn = machine(moto_url, "greet", definition)
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"name": "Ana"}))["executionArn"]
    result = finished(moto_url, execution)
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"greeting": "hello Ana", "length": 3}


def test_handler_error_reaches_retry_and_catch(moto_url: str) -> None:
    sfn = client(moto_url, "stepfunctions")
    CALLS.clear()
    definition = {
        "StartAt": "Greet",
        "States": {
            "Greet": {
                "Type": "Task",
                "Resource": FUNCTION_ARN,
                "Retry": [{"ErrorEquals": ["FlakyError"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                "Catch": [{"ErrorEquals": ["FlakyError"], "ResultPath": "$.error", "Next": "Failed"}],
                "End": True,
            },
            "Failed": {"Type": "Pass", "End": True},
        },
    }
    arn = machine(moto_url, "flaky", definition)
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"name": "x", "fail": True}))[
        "executionArn"
    ]
    result = finished(moto_url, execution)
    assert result["status"] == "SUCCEEDED", result
    output = json.loads(result["output"])
    assert output["error"]["Error"] == "FlakyError"
    assert len(CALLS) == 2  # the first try and one retry, both real calls


def test_time_scale_shortens_waits_and_task_timeouts(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TimeScale, "factor", 3600.0)
    sfn = client(moto_url, "stepfunctions")
    definition = {
        "StartAt": "Hour",
        "States": {
            "Hour": {"Type": "Wait", "Seconds": 3600, "Next": "AwaitAgent"},
            "AwaitAgent": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": "http://127.0.0.1:1/none",
                    "MessageBody": {"t.$": "$$.Task.Token"},
                },
                "TimeoutSeconds": 7200,
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Escalate"}],
                "End": True,
            },
            "Escalate": {"Type": "Pass", "End": True},
        },
    }
    sqs = client(moto_url, "sqs")
    queue = sqs.create_queue(QueueName="tokens")["QueueUrl"]
    definition["States"]["AwaitAgent"]["Parameters"]["QueueUrl"] = queue
    arn = machine(moto_url, "scaled", definition)
    began = time.monotonic()
    execution = sfn.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    result = finished(moto_url, execution)
    elapsed = time.monotonic() - began
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"])["error"]["Error"] == "States.Timeout"
    assert elapsed < 15, elapsed  # three hours of workflow time (the timeout keeps its 8 s floor)


def test_scheduler_fires_due_schedules_to_targets(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(TimeScale, "factor", 60.0)  # a minute of schedule time per second
    scheduler = client(moto_url, "scheduler")
    sqs = client(moto_url, "sqs")
    sfn = client(moto_url, "stepfunctions")
    queue = sqs.create_queue(QueueName="notices")["QueueUrl"]
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:notices"
    now = dt.datetime.now(dt.UTC)
    scheduler.create_schedule(
        Name="weekly-update",
        ScheduleExpression="rate(1 minute)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": queue_arn, "RoleArn": ROLE, "Input": json.dumps({"notice": "testing site"})},
    )
    one_off = (now + dt.timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%S")
    scheduler.create_schedule(
        Name="once",
        ScheduleExpression=f"at({one_off})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": FUNCTION_ARN, "RoleArn": ROLE, "Input": json.dumps({"name": "scheduled"})},
        ActionAfterCompletion="DELETE",
    )
    CALLS.clear()
    thread = LocalScheduler(
        scheduler,
        target_firer(sqs, sfn, lambda arn, e: greeter(e), {queue_arn: queue}),
        0.1,
        rate_floor_s=0.5,  # rate(1 minute) at 60x: once a second (the floor's own test is below)
    )
    thread.start()
    try:
        wait_for(lambda: CALLS, timeout_s=6)
        assert CALLS == [{"name": "scheduled"}]
        wait_for(lambda: thread.fired.count(("default", "weekly-update")) >= 2, timeout_s=6)
    finally:
        thread.stop()
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        bodies += [m["Body"] for m in got]
    assert len(bodies) >= 2
    assert all(json.loads(b) == {"notice": "testing site"} for b in bodies)
    names = [s["Name"] for s in scheduler.list_schedules()["Schedules"]]
    assert "once" not in names  # at() with ActionAfterCompletion=DELETE is removed after it fires
    assert "weekly-update" in names


def test_scheduler_reads_a_schedule_again_only_when_it_changed(moto_url: str) -> None:
    scheduler = client(moto_url, "scheduler")
    sqs = client(moto_url, "sqs")
    queue = sqs.create_queue(QueueName="reread")["QueueUrl"]
    queue_arn = "arn:aws:sqs:us-east-1:123456789012:reread"
    scheduler.create_schedule_group(Name="reread")
    schedule = {
        "GroupName": "reread",
        "Name": "poll",
        "ScheduleExpression": "rate(1 minute)",
        "FlexibleTimeWindow": {"Mode": "OFF"},
    }
    scheduler.create_schedule(**schedule, Target={"Arn": queue_arn, "RoleArn": ROLE, "Input": '"first"'})
    reads: list[str] = []

    class Counting:
        """The scheduler client, counting GetSchedule calls for this test's group."""

        def __getattr__(self, name: str) -> Any:
            return getattr(scheduler, name)

        def get_schedule(self, **kwargs: Any) -> Any:
            if kwargs["GroupName"] == "reread":
                reads.append(kwargs["Name"])
            return scheduler.get_schedule(**kwargs)

    start = dt.datetime.now(dt.UTC)
    now = [start]
    thread = LocalScheduler(Counting(), target_firer(sqs, None, lambda arn, e: None, {queue_arn: queue}), 0.1)
    thread.now = lambda: now[0]
    for seconds in (0, 30, 61, 90):  # the second pass after 60 s fires; the others only look
        now[0] = start + dt.timedelta(seconds=seconds)
        thread.tick()
    assert reads == ["poll"]
    scheduler.update_schedule(**schedule, Target={"Arn": queue_arn, "RoleArn": ROLE, "Input": '"second"'})
    for seconds in (122, 150):
        now[0] = start + dt.timedelta(seconds=seconds)
        thread.tick()
    assert reads == ["poll", "poll"]  # the change was read, once
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]]
    assert bodies == ['"first"', '"second"']
    assert thread.fired.count(("reread", "poll")) == 2
    scheduler.delete_schedule(GroupName="reread", Name="poll")
    thread.tick()
    assert ("reread", "poll") not in thread.read


def test_a_scaled_rate_fires_at_most_once_per_floor_of_real_time(
    moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TimeScale, "factor", 300.0)  # the e2e tier's scale: rate(5 minutes) every second
    scheduler = client(moto_url, "scheduler")
    scheduler.create_schedule_group(Name="floored")
    scheduler.create_schedule(
        GroupName="floored",
        Name="poll",
        ScheduleExpression="rate(5 minutes)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": FUNCTION_ARN, "RoleArn": ROLE, "Input": json.dumps({"name": "poll"})},
    )
    scheduler.create_schedule(
        GroupName="floored",
        Name="slow",
        ScheduleExpression="rate(1 hour)",  # 12 s at 300x: above the floor, not slowed
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": FUNCTION_ARN, "RoleArn": ROLE, "Input": json.dumps({"name": "slow"})},
    )
    start = dt.datetime.now(dt.UTC)
    now = [start]
    thread = LocalScheduler(scheduler, target_firer(None, None, lambda arn, e: None, {}), 0.1)
    thread.now = lambda: now[0]
    fired_at: list[tuple[str, float]] = []
    for tenths in range(0, 251, 5):  # a pass every half second for 25 s
        now[0] = start + dt.timedelta(seconds=tenths / 10)
        before = len(thread.fired)
        thread.tick()
        fired_at += [(name, tenths / 10) for group, name in thread.fired[before:] if group == "floored"]
    assert [at for name, at in fired_at if name == "poll"] == [5.0, 10.0, 15.0, 20.0, 25.0]
    assert [at for name, at in fired_at if name == "slow"] == [12.0, 24.0]
    for name in ("poll", "slow"):
        scheduler.delete_schedule(GroupName="floored", Name=name)
