"""SQS event source mappings as poller threads: batch size, partial batch failures, the real record shape.

Failed records are not deleted: they come back after the queue's visibility timeout and moto moves them to the
dead-letter queue after maxReceiveCount, as SQS does.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import Any

from infra.local.lambdas import LocalFunction
from infra.local.template import REGION

log = logging.getLogger("switchboard.local")


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


class SqsPoller:
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        function: LocalFunction,
        batch_size: int,
        report_failures: bool,
    ):
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.function = function
        self.batch_size = min(batch_size, 10)
        self.report_failures = report_failures
        self.stopping = threading.Event()
        self.idle = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"poller-{function.logical_id}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                messages = self.sqs.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=self.batch_size,
                    WaitTimeSeconds=1,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
            except Exception:  # noqa: BLE001 - moto going away at shutdown; keep polling otherwise
                if self.stopping.is_set():
                    return
                log.exception("receive failed on %s", self.queue_arn)
                self.stopping.wait(0.5)
                continue
            if not messages:
                self.idle.set()
                continue
            self.idle.clear()
            self._deliver(messages)

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [sqs_record(m, self.queue_arn) for m in messages]}
        try:
            response = self.function.invoke(event)
        except Exception:  # noqa: BLE001 - a failed invocation leaves the whole batch to be retried
            log.exception("%s failed a batch of %d", self.function.logical_id, len(messages))
            return
        failed: set[str] = set()
        if self.report_failures and isinstance(response, dict):
            failed = {item["itemIdentifier"] for item in response.get("batchItemFailures") or []}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
