"""infra.tools.replay_dlq: --local against a moto server on 127.0.0.1; the cloud path against a fake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from infra.tools import replay_dlq
from infra.tools.replay_dlq import QueuePair, find_queue_pair, replay_locally


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    try:
        yield endpoint
    finally:
        server.stop()


def make_queues(sqs: Any, name: str, fifo: bool) -> tuple[str, str]:
    suffix = ".fifo" if fifo else ""
    attributes = {"FifoQueue": "true"} if fifo else {}
    dlq = sqs.create_queue(QueueName=f"Switchboard-{name}Dlq-X1{suffix}", Attributes=attributes)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})
    source = sqs.create_queue(
        QueueName=f"Switchboard-{name}-A1B2C3{suffix}", Attributes={**attributes, "RedrivePolicy": redrive}
    )["QueueUrl"]
    return source, dlq


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", []):
        for message in batch:
            messages.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def test_local_replay_moves_fifo_messages_back_with_their_group_and_dedup_ids(
    moto_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_server)
    source, dlq = make_queues(sqs, "InboundQueue", fifo=True)
    make_queues(sqs, "OutboundQueue", fifo=True)  # must not be mistaken for the InboundQueue
    sent = [("resident-a", "SM1"), ("resident-a", "SM2"), ("resident-b", "SM3")]
    for group, dedup in sent:
        sqs.send_message(
            QueueUrl=dlq,
            MessageBody=json.dumps({"sid": dedup}),
            MessageGroupId=group,
            MessageDeduplicationId=dedup,
            MessageAttributes={"origin": {"DataType": "String", "StringValue": "test"}},
        )

    assert replay_dlq.main(["InboundQueue", "--local"]) == 0

    assert "moved 3 message(s)" in capsys.readouterr().out
    assert drain(sqs, dlq) == []
    replayed = drain(sqs, source)
    assert sorted(
        (
            m["Attributes"]["MessageGroupId"],
            m["Attributes"]["MessageDeduplicationId"],
            json.loads(m["Body"])["sid"],
        )
        for m in replayed
    ) == sorted((group, dedup, dedup) for group, dedup in sent)
    assert all(m["MessageAttributes"]["origin"]["StringValue"] == "test" for m in replayed)
    # FIFO order within a resident's group survives the trip
    assert [
        json.loads(m["Body"])["sid"] for m in replayed if m["Attributes"]["MessageGroupId"] == "resident-a"
    ] == [
        "SM1",
        "SM2",
    ]


def test_local_replay_of_a_standard_queue(moto_server: str) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_server)
    source, dlq = make_queues(sqs, "StatusQueue", fifo=False)
    sqs.send_message(QueueUrl=dlq, MessageBody='{"kind":"twilio.status"}')

    assert replay_dlq.main(["StatusQueue", "--local"]) == 0

    assert [m["Body"] for m in drain(sqs, source)] == ['{"kind":"twilio.status"}']


def test_unknown_queue_fails_cleanly(moto_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert replay_dlq.main(["NoSuchQueue", "--local"]) == 1
    assert "replay failed" in capsys.readouterr().err


def test_local_needs_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with pytest.raises(SystemExit):
        replay_dlq.main(["InboundQueue", "--local"])


class FlakySqs:
    """Delegates to a real client but refuses to send: nothing may be deleted from the DLQ then."""

    def __init__(self, sqs: Any) -> None:
        self._sqs = sqs
        self.deleted: list[str] = []

    def receive_message(self, **kwargs: Any) -> Any:
        return self._sqs.receive_message(**kwargs)

    def send_message(self, **kwargs: Any) -> Any:
        raise RuntimeError("source queue unavailable")

    def delete_message(self, **kwargs: Any) -> Any:
        self.deleted.append(kwargs["ReceiptHandle"])


def test_a_failed_send_leaves_the_message_in_the_dlq(moto_server: str) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_server)
    source, dlq = make_queues(sqs, "InboundQueue", fifo=True)
    sqs.send_message(QueueUrl=dlq, MessageBody="{}", MessageGroupId="g", MessageDeduplicationId="d")
    cloudformation = boto3.client("cloudformation", region_name="us-east-1", endpoint_url=moto_server)
    pair = find_queue_pair(sqs, cloudformation, "InboundQueue")
    flaky = FlakySqs(sqs)

    with pytest.raises(RuntimeError):
        replay_locally(flaky, pair)

    assert flaky.deleted == []


def test_queues_are_found_through_the_stack_outputs(moto_server: str) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_server)
    source, dlq = make_queues(sqs, "InboundQueue", fifo=True)
    make_queues(sqs, "InboundQueueCopy", fifo=True)  # name lookup alone would be ambiguous
    cloudformation = boto3.client("cloudformation", region_name="us-east-1", endpoint_url=moto_server)
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"InboundQueueUrl": {"Value": source}, "InboundQueueDlqUrl": {"Value": dlq}},
    }
    cloudformation.create_stack(StackName="Switchboard", TemplateBody=json.dumps(template))

    pair = find_queue_pair(sqs, cloudformation, "InboundQueue")

    assert (pair.source_url, pair.dlq_url) == (source, dlq)
    assert pair.fifo


class MoveTaskSqs:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def start_message_move_task(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"TaskHandle": "handle-1"}


def test_cloud_replay_starts_an_sqs_move_task_from_the_dlq_to_its_source() -> None:
    sqs = MoveTaskSqs()
    pair = QueuePair(
        source_url="https://sqs.us-east-1.amazonaws.com/123456789012/q.fifo",
        source_arn="arn:aws:sqs:us-east-1:123456789012:q.fifo",
        dlq_url="https://sqs.us-east-1.amazonaws.com/123456789012/dlq.fifo",
        dlq_arn="arn:aws:sqs:us-east-1:123456789012:dlq.fifo",
    )

    assert replay_dlq.start_move_task(sqs, pair) == "handle-1"
    assert sqs.calls == [{"SourceArn": pair.dlq_arn, "DestinationArn": pair.source_arn}]
