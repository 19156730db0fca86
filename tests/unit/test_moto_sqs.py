"""The local stack's moto SQS patch: sends no longer count the queue, and nothing else changes: content-based
deduplication on FIFO queues still works and GetQueueAttributes still counts."""

from __future__ import annotations

import os

import boto3
from moto import mock_aws

from infra.local import moto_sqs


def test_sends_dedup_and_counts_are_as_before() -> None:
    moto_sqs.install()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        standard = sqs.create_queue(QueueName="s")["QueueUrl"]
        fifo = sqs.create_queue(
            QueueName="f.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        )["QueueUrl"]
        for _ in range(3):
            sqs.send_message_batch(
                QueueUrl=standard, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(10)]
            )
            sqs.send_message(QueueUrl=fifo, MessageBody="same", MessageGroupId="g")

        def count(url: str) -> int:
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            return int(attributes["ApproximateNumberOfMessages"])

        assert count(standard) == 30
        assert count(fifo) == 1  # the two repeats were deduplicated by content
        attributes = sqs.get_queue_attributes(QueueUrl=fifo, AttributeNames=["All"])["Attributes"]
        assert attributes["ContentBasedDeduplication"] == "true" and attributes["FifoQueue"] == "true"


def test_deletes_remove_exactly_the_received_messages_and_a_bad_handle_is_refused() -> None:
    import pytest

    moto_sqs.install()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="d")["QueueUrl"]
        for start in range(0, 50, 10):
            sqs.send_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(start, start + 10)],
            )
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
        gone = {m["Body"] for m in received[:4]}
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received[:4])],
        )
        sqs.delete_message(QueueUrl=url, ReceiptHandle=received[0]["ReceiptHandle"])  # again: accepted
        left: set[str] = set()
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60).get(
            "Messages", []
        ):
            left |= {m["Body"] for m in batch}
        assert left == {f"m{i}" for i in range(50)} - gone
        with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
            sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")


def test_receives_keep_order_skip_in_flight_and_delayed_respect_fifo_groups_and_redrive() -> None:
    moto_sqs.install()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        dlq = sqs.create_queue(QueueName="r-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        url = sqs.create_queue(
            QueueName="r",
            Attributes={"RedrivePolicy": f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": "1"}}'},
        )["QueueUrl"]
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(10)]
        )
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=900)

        def counts() -> tuple[int, int, int]:
            names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            names.append("ApproximateNumberOfMessagesDelayed")
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
            return tuple(int(attributes[n]) for n in names)  # type: ignore[return-value]

        assert counts() == (10, 0, 1)
        first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, VisibilityTimeout=60)["Messages"]
        assert [m["Body"] for m in first] == ["m0", "m1", "m2"]
        assert counts() == (7, 3, 1)
        rest = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
        assert [m["Body"] for m in rest] == [f"m{i}" for i in range(3, 10)]  # in flight and delayed skipped
        # received once already (maxReceiveCount 1): the next receive moves them to the dead-letter queue
        assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []
        moved = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
        assert sorted(m["Body"] for m in moved) == sorted(f"m{i}" for i in range(3, 10))

        fifo = sqs.create_queue(QueueName="g.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        for i, group in enumerate(["a", "a", "b"]):
            sqs.send_message(
                QueueUrl=fifo, MessageBody=f"{group}{i}", MessageGroupId=group, MessageDeduplicationId=str(i)
            )
        taken = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=1, VisibilityTimeout=60)["Messages"]
        assert [m["Body"] for m in taken] == ["a0"]
        after = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10, VisibilityTimeout=60)["Messages"]
        assert [m["Body"] for m in after] == ["b2"]  # a1 waits while its group is in flight


def test_a_long_poll_on_a_queue_with_nothing_visible_waits_instead_of_spinning() -> None:
    import pytest
    from moto.sqs.models import Queue

    moto_sqs.install()
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    looks = 0
    patched = Queue.messages

    def counted(self: object) -> object:
        nonlocal looks
        looks += 1
        return patched.fget(self)  # type: ignore[attr-defined]

    with mock_aws(), pytest.MonkeyPatch.context() as mp:
        mp.setattr(Queue, "messages", property(counted))
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="w")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="in flight")
        assert len(sqs.receive_message(QueueUrl=url, VisibilityTimeout=60)["Messages"]) == 1
        looks = 0
        assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []
        assert 1 <= looks < 20  # moto re-checks once a second; a truthy-but-empty answer made it spin


def test_deletes_racing_sends_and_other_deletes_lose_and_revive_nothing() -> None:
    """Request threads send and delete at once (the local stack's burst): a delete that rebuilt the message
    list dropped a message appended meanwhile, or brought back one another thread had just deleted."""
    import sys
    import threading

    from moto.sqs.models import sqs_backends

    moto_sqs.install()
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="race.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        queue = sqs_backends["123456789012"]["us-east-1"].get_queue("race.fifo")
        backend = sqs_backends["123456789012"]["us-east-1"]
        for i in range(300):
            sqs.send_message(
                QueueUrl=url, MessageBody=f"old{i}", MessageGroupId=f"g{i}", MessageDeduplicationId=f"o{i}"
            )
        handles = [
            m["ReceiptHandle"]
            for _ in range(30)
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        ]
        assert len(handles) == 300
        switch = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)  # switch threads as often as possible: make any race show
        try:

            def delete(part: list[str]) -> None:
                for handle in part:
                    backend.delete_message("race.fifo", handle)

            def send(start: int) -> None:
                for i in range(start, start + 100):
                    sqs.send_message(
                        QueueUrl=url,
                        MessageBody=f"new{i}",
                        MessageGroupId=f"n{i}",
                        MessageDeduplicationId=f"n{i}",
                    )

            threads = [threading.Thread(target=delete, args=(handles[k::3],)) for k in range(3)]
            threads += [threading.Thread(target=send, args=(k * 100,)) for k in range(3)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            sys.setswitchinterval(switch)
        bodies = sorted(m.body for m in queue._messages)
        assert bodies == sorted(f"new{i}" for i in range(300))
        assert not queue.pending_messages
