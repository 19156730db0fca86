"""The local stack's SQS event source mappings behave like Lambda's: a standard queue's batches run side by
side up to the mapping's maximum concurrency, a FIFO queue keeps one batch in flight per message group while
other groups go on, failed records come back after their visibility timeout, and nothing is handled twice.
Instances can also be child processes (infra.local.instances)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.local import moto_sqs
from infra.local.instances import InstanceError, ProcessInstances
from infra.local.lambdas import LocalFunction
from infra.local.pollers import SqsPoller


def local_function(
    handler: Any, code_paths: list[Path] | None = None, path: str = "h.handler"
) -> LocalFunction:
    function = LocalFunction(
        logical_id="TestFn",
        name="Switchboard-TestFn",
        arn="arn:aws:lambda:us-east-1:123456789012:function:Switchboard-TestFn",
        handler_path=path,
        timeout_s=30,
        memory_mb=256,
        environment={},
        code_paths=code_paths or [],
    )
    if handler is not None:
        function._handler = handler
    return function


class Recorder:
    """A handler that takes `seconds` per batch and records what ran at once."""

    def __init__(self, seconds: float, fail_once: set[str] | None = None) -> None:
        self.seconds = seconds
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.handled: list[str] = []
        self.groups_in_flight: defaultdict[str, int] = defaultdict(int)
        self.group_overlap = False
        self.fail_once = set(fail_once or ())
        self.first_ran_alone: bool | None = None

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        groups = {r["attributes"].get("MessageGroupId") for r in event["Records"]} - {None}
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            for group in groups:
                self.groups_in_flight[group] += 1
                self.group_overlap |= self.groups_in_flight[group] > 1
        time.sleep(self.seconds)
        failures = []
        with self.lock:
            if self.first_ran_alone is None:
                self.first_ran_alone = self.running == 1
            for record in event["Records"]:
                if record["body"] in self.fail_once:
                    self.fail_once.discard(record["body"])
                    failures.append({"itemIdentifier": record["messageId"]})
                else:
                    self.handled.append(record["body"])
            for group in groups:
                self.groups_in_flight[group] -= 1
            self.running -= 1
        return {"batchItemFailures": failures}


@pytest.fixture()
def sqs() -> Any:
    moto_sqs.install()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield boto3.client("sqs", region_name="us-east-1")


def run_until(poller: SqsPoller, done: Any, timeout_s: float = 30) -> None:
    poller.start()
    try:
        deadline = time.monotonic() + timeout_s
        while not done() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        poller.stop()


def queue_arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


def test_a_standard_queue_runs_up_to_the_mapping_concurrency_and_handles_each_message_once(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="standard", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    for start in range(0, 40, 10):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(start, start + 10)]
        )
    handler = Recorder(seconds=0.15)
    poller = SqsPoller(sqs, url, queue_arn(sqs, url), local_function(handler), 1, True, max_concurrency=4)
    run_until(poller, lambda: len(handler.handled) >= 40)
    assert sorted(handler.handled) == sorted(f"m{i}" for i in range(40))  # each once
    assert handler.peak == 4  # side by side, and never more than the mapping allows
    assert poller.max_in_flight == 4 and poller.batches == 40
    assert handler.first_ran_alone is True  # the init (cold start) runs before the others join
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_one_concurrency_is_one_batch_at_a_time(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="one")["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(6)])
    handler = Recorder(seconds=0.05)
    poller = SqsPoller(sqs, url, queue_arn(sqs, url), local_function(handler), 1, True, max_concurrency=1)
    run_until(poller, lambda: len(handler.handled) >= 6)
    assert handler.peak == 1 and len(handler.handled) == 6


def test_a_fifo_queue_keeps_one_batch_per_group_in_flight_and_runs_groups_at_once(sqs: Any) -> None:
    url = sqs.create_queue(
        QueueName="inbound.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "30"},
    )["QueueUrl"]
    groups = [f"g{n}" for n in range(5)]
    for index in range(6):
        for group in groups:
            sqs.send_message(QueueUrl=url, MessageBody=f"{group}-{index}", MessageGroupId=group)
    handler = Recorder(seconds=0.1)
    poller = SqsPoller(sqs, url, queue_arn(sqs, url), local_function(handler), 2, True, max_concurrency=8)
    run_until(poller, lambda: len(handler.handled) >= 30)
    assert sorted(handler.handled) == sorted(f"{g}-{i}" for g in groups for i in range(6))
    assert not handler.group_overlap  # never two batches of one group at once
    assert handler.peak >= 2  # but several groups at once
    for group in groups:  # and each group in the order it was sent
        assert [b for b in handler.handled if b.startswith(group + "-")] == [f"{group}-{i}" for i in range(6)]


def test_a_failed_record_comes_back_after_its_visibility_timeout_and_only_it(sqs: Any) -> None:
    url = sqs.create_queue(QueueName="retry", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(5)])
    handler = Recorder(seconds=0.01, fail_once={"m3"})
    poller = SqsPoller(sqs, url, queue_arn(sqs, url), local_function(handler), 5, True, max_concurrency=4)
    started = time.monotonic()
    run_until(poller, lambda: len(handler.handled) >= 5)
    assert sorted(handler.handled) == [f"m{i}" for i in range(5)]  # m3 once, after its retry
    assert handler.handled[-1] == "m3" and time.monotonic() - started >= 0.9  # not before the timeout


def test_a_batch_that_runs_past_its_visibility_timeout_is_not_received_again_nor_dead_lettered(
    sqs: Any,
) -> None:
    """AWS keeps a running invocation's records hidden (visibility >= 6x the consumer's timeout); the local
    stack's shortened timeout must not turn a slow batch on a loaded machine into redeliveries and dead
    letters."""
    dlq_url = sqs.create_queue(QueueName="slow-dlq")["QueueUrl"]
    url = sqs.create_queue(
        QueueName="slow",
        Attributes={
            "VisibilityTimeout": "1",
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": queue_arn(sqs, dlq_url), "maxReceiveCount": "2"}
            ),
        },
    )["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(3)])
    handler = Recorder(seconds=3.5)  # three and a half visibility timeouts
    poller = SqsPoller(sqs, url, queue_arn(sqs, url), local_function(handler), 10, True, max_concurrency=4)
    poller.start()
    try:
        deadline = time.monotonic() + 30
        while len(handler.handled) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)  # a redelivery, had there been one, would have started by now
    finally:
        poller.stop()
    assert sorted(handler.handled) == ["m0", "m1", "m2"] and handler.peak == 1  # once each, in one batch
    assert "Messages" not in sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=0)
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_a_batch_whose_invocation_raised_comes_back_after_the_queues_timeout_not_the_functions(
    sqs: Any,
) -> None:
    """Received hidden for the function's timeout (30 s here), a failed batch is handed back to the queue's
    own timeout (1 s): the retry comes as soon as SQS would bring it."""
    url = sqs.create_queue(QueueName="raises", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m0")
    calls: list[float] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RuntimeError("first delivery fails")
        return {"batchItemFailures": []}

    poller = SqsPoller(sqs, url, queue_arn(sqs, url), local_function(handler), 10, True, max_concurrency=2)
    run_until(poller, lambda: len(calls) >= 2, timeout_s=20)
    assert len(calls) == 2
    assert 0.9 <= calls[1] - calls[0] < 10  # after the queue's 1 s, long before the function's 30 s
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"


HANDLER_MODULE = """
import os

def handler(event, context):
    if any(r["body"] == "boom" for r in event["Records"]):
        raise ValueError("resident text here")
    return {"pid": os.getpid(), "bodies": [r["body"] for r in event["Records"]], "fn": context.function_name,
            "marker": os.environ.get("LOCAL_INSTANCE_TEST_MARKER")}
"""


def test_process_instances_run_the_handler_in_a_child_with_this_environment(tmp_path: Path) -> None:
    (tmp_path / "h.py").write_text(HANDLER_MODULE, encoding="utf-8")
    os.environ["LOCAL_INSTANCE_TEST_MARKER"] = "stack-env"
    instances = ProcessInstances(local_function(None, [tmp_path]))
    try:
        first = instances.invoke({"Records": [{"body": "a"}]})
        second = instances.invoke({"Records": [{"body": "b"}]})
        assert first["pid"] != os.getpid() and first["pid"] == second["pid"]  # warm instance reused
        assert first["bodies"] == ["a"] and first["fn"] == "Switchboard-TestFn"
        assert first["marker"] == "stack-env"
        with pytest.raises(InstanceError) as raised:
            instances.invoke({"Records": [{"body": "boom"}]})
        assert str(raised.value) == "ValueError"  # the type only: the text may quote a resident
        assert instances.invoke({"Records": [{"body": "c"}]})["pid"] == first["pid"]  # still warm
        assert instances.started == 1
    finally:
        instances.close()
        del os.environ["LOCAL_INSTANCE_TEST_MARKER"]


def test_a_mapping_on_process_instances_runs_batches_in_parallel_children(sqs: Any, tmp_path: Path) -> None:
    (tmp_path / "h.py").write_text(
        "import os, time\n\ndef handler(event, context):\n    time.sleep(0.3)\n"
        "    return {'batchItemFailures': [], 'pid': os.getpid()}\n",
        encoding="utf-8",
    )
    url = sqs.create_queue(QueueName="procs")["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(6)])
    poller = SqsPoller(
        sqs, url, queue_arn(sqs, url), local_function(None, [tmp_path]), 1, True, max_concurrency=3
    )
    poller.use_processes(True)
    instances = poller.instances
    assert instances is not None

    def drained() -> bool:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return (
            attributes["ApproximateNumberOfMessages"]
            == attributes["ApproximateNumberOfMessagesNotVisible"]
            == "0"
        )

    run_until(poller, drained, timeout_s=60)
    assert drained()
    assert poller.batches == 6 and poller.max_in_flight == 3
    assert 1 < instances.started <= 3  # a child per concurrent batch, never more than the mapping allows
    assert poller.instances is None  # stop() closed them
