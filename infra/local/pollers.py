"""SQS event source mappings as poller threads: batch size, partial batch failures, the real record shape, and
Lambda's concurrency.

Failed records are not deleted: they come back after the queue's visibility timeout and moto moves them to the
dead-letter queue after maxReceiveCount, as SQS does.

Concurrency, as Lambda's mappings: one receiver per mapping hands each batch to a worker, with up to the
mapping's `ScalingConfig.MaximumConcurrency` batches in flight (a mapping without one gets
`DEFAULT_MAX_CONCURRENCY` here; Lambda would scale much further). The receiver takes a batch only when a
worker is free, so no received batch waits while its visibility timeout runs. On a FIFO queue moto's
ReceiveMessage returns no message of a group that has one in flight: one batch in flight per message group, as
many groups at once as there are workers. Workers are threads of this process (handlers run in-process; the
first batch a function gets runs alone: its init, the cold start), or, when asked (`use_processes`), warm
instances in child processes (infra.local.instances).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from infra.local.instances import ProcessInstances
from infra.local.lambdas import LocalFunction
from infra.local.template import REGION

log = logging.getLogger("switchboard.local")

# Batches in flight for a mapping whose template sets no MaximumConcurrency (Lambda's own ceiling is the
# account's concurrency; this 2-core machine runs every handler in one process).
DEFAULT_MAX_CONCURRENCY = 8


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
        max_concurrency: int = 1,
    ):
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.function = function
        self.batch_size = min(batch_size, 10)
        self.report_failures = report_failures
        self.max_concurrency = max(1, max_concurrency)
        self.fifo = queue_arn.endswith(".fifo")
        self.stopping = threading.Event()
        self.idle = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"poller-{function.logical_id}", daemon=True)
        self._slots = threading.BoundedSemaphore(self.max_concurrency)
        self._workers = ThreadPoolExecutor(
            self.max_concurrency, thread_name_prefix=f"lambda-{function.logical_id}"
        )
        self._count_lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0  # the most batches this mapping ever had in flight at once
        self.batches = 0
        # When set, batches go to instances in child processes (infra.local.instances) instead of threads.
        self.instances: ProcessInstances | None = None

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        self._workers.shutdown(wait=True, cancel_futures=True)
        self.use_processes(False)

    def use_processes(self, on: bool) -> None:
        """Run this mapping's batches in child processes (on) or in this process's threads (off). Batches
        in flight finish where they started."""
        if on and self.instances is None:
            self.instances = ProcessInstances(self.function)
        elif not on and self.instances is not None:
            instances, self.instances = self.instances, None
            instances.close()

    def reset_peak(self) -> None:
        """Start a new measurement of the peak concurrency (benchmarks, per section)."""
        with self._count_lock:
            self.max_in_flight = self.in_flight

    def _run(self) -> None:
        while not self.stopping.is_set():
            if not self._slots.acquire(timeout=0.2):
                continue  # every worker busy: receive nothing until one is free
            try:
                messages = self.sqs.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=self.batch_size,
                    WaitTimeSeconds=1,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
            except Exception:  # noqa: BLE001 - moto going away at shutdown; keep polling otherwise
                self._slots.release()
                if self.stopping.is_set():
                    return
                log.exception("receive failed on %s", self.queue_arn)
                self.stopping.wait(0.5)
                continue
            if not messages:
                self._slots.release()
                if self.in_flight == 0:
                    self.idle.set()
                continue
            self.idle.clear()
            with self._count_lock:
                self.in_flight += 1
                self.batches += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                self._workers.submit(self._work, messages)
            except RuntimeError:  # shut down meanwhile: the batch comes back after its visibility timeout
                self._finished()
                return

    def _work(self, messages: list[dict[str, Any]]) -> None:
        try:
            self._deliver(messages)
        finally:
            self._finished()

    def _finished(self) -> None:
        with self._count_lock:
            self.in_flight -= 1
        self._slots.release()

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [sqs_record(m, self.queue_arn) for m in messages]}
        try:
            instances = self.instances
            if instances is not None:
                response = instances.invoke(event)
            else:
                response = self.function.invoke(event, concurrent=True)
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
