"""SQS event source mappings as poller threads: batch size, partial batch failures, the real record shape, and
Lambda's concurrency.

Failed records are not deleted: they come back after the queue's visibility timeout and moto moves them to the
dead-letter queue after maxReceiveCount, as SQS does.

A batch never reappears while its handler still runs. On AWS the template sets each queue's visibility timeout
to 6x its consumer's timeout (infra/queues.py), and Lambda ends an invocation at its timeout, so a running
invocation's records stay hidden. Locally the e2e tier shortens visibility to 2 s (so a retry comes quickly)
and a batch on a loaded 2-core machine can run longer than that: without care its records would be received
again while still being handled, counted as receives and moved to the dead-letter queue though nothing failed.
So a batch is received hidden for at least its function's timeout (ReceiveMessage's VisibilityTimeout), kept
hidden while it runs (a heartbeat, ChangeMessageVisibilityBatch, for handlers slower than their timeout here),
and a failed record is handed back to come again after the queue's own visibility timeout, as SQS would
(times its receives so far, up to 4: AWS spaces the five receives by minutes, the e2e tier by seconds).
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
# A failed record's n-th retry waits n visibility timeouts, up to this many (pollers._retry_after).
RETRY_SPREAD = 4


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
        # Batches in flight (by batch number) whose visibility the heartbeat keeps extending.
        self._held: dict[int, list[dict[str, Any]]] = {}
        self._visibility_s: int | None = None
        self.heartbeat = threading.Thread(
            target=self._keep_hidden, name=f"heartbeat-{function.logical_id}", daemon=True
        )

    def start(self) -> None:
        self.thread.start()
        self.heartbeat.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        if self.heartbeat.is_alive():
            self.heartbeat.join(timeout=5)
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
                    VisibilityTimeout=self._hidden_for(),
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
                batch = self.batches
                self._held[batch] = messages
            try:
                self._workers.submit(self._work, batch, messages)
            except RuntimeError:  # shut down meanwhile: the batch comes back after its visibility timeout
                self._finished(batch)
                return

    def _work(self, batch: int, messages: list[dict[str, Any]]) -> None:
        failed = messages  # a batch that raised before answering is retried whole
        try:
            failed = self._deliver(messages)
        finally:
            with self._count_lock:
                self._held.pop(batch, None)  # the heartbeat no longer hides it
            try:
                if failed:
                    self._hand_back(failed)
            except Exception:  # noqa: BLE001 - moto going away at shutdown: they come back, later
                if not self.stopping.is_set():
                    log.exception("could not hand back %d failed records on %s", len(failed), self.queue_arn)
            self._finished(batch)

    def _finished(self, batch: int) -> None:
        with self._count_lock:
            self.in_flight -= 1
            self._held.pop(batch, None)
        self._slots.release()

    def _queue_visibility(self) -> int:
        """The queue's own visibility timeout (what a failed record waits before it comes again)."""
        if self._visibility_s is None:
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=self.queue_url, AttributeNames=["VisibilityTimeout"]
            )["Attributes"]
            self._visibility_s = max(1, int(attributes.get("VisibilityTimeout", "30")))
        return self._visibility_s

    def _hidden_for(self) -> int:
        """How long a received batch stays hidden: at least its function's timeout (on AWS the queue's own
        timeout is 6x that, so a running invocation's records never come back while it runs)."""
        return max(self._queue_visibility(), self.function.timeout_s)

    def _retry_after(self, message: dict[str, Any]) -> int:
        """A failed record comes again after the queue's visibility timeout times its receives so far (at most
        RETRY_SPREAD times): on AWS its five receives span minutes (visibility 6x the consumer's timeout);
        locally, at a 2 s timeout, a burst's passing conflicts could use all five in ten seconds."""
        receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1") or 1)
        return self._queue_visibility() * min(max(receives, 1), RETRY_SPREAD)

    def _hand_back(self, messages: list[dict[str, Any]]) -> None:
        """Failed records come again after the queue's visibility timeout (spread by receives), not the
        longer receive-time one."""
        for start in range(0, len(messages), 10):
            self.sqs.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {
                        "Id": str(i),
                        "ReceiptHandle": m["ReceiptHandle"],
                        "VisibilityTimeout": self._retry_after(m),
                    }
                    for i, m in enumerate(messages[start : start + 10])
                ],
            )

    def _keep_hidden(self) -> None:
        """Every third of the receive-time visibility, hide the records of every batch still in flight for
        another such period (a handler slower than its function's timeout here, which Lambda would end)."""
        while not self.stopping.is_set():
            try:
                hidden_for = self._hidden_for()
                if self.stopping.wait(hidden_for / 3):
                    return
                with self._count_lock:
                    held = [m for messages in self._held.values() for m in messages]
                for start in range(0, len(held), 10):
                    # Records deleted meanwhile come back as per-entry failures: nothing to extend.
                    self.sqs.change_message_visibility_batch(
                        QueueUrl=self.queue_url,
                        Entries=[
                            {
                                "Id": str(i),
                                "ReceiptHandle": m["ReceiptHandle"],
                                "VisibilityTimeout": self._visibility_s,
                            }
                            for i, m in enumerate(held[start : start + 10])
                        ],
                    )
            except Exception:  # noqa: BLE001 - moto going away at shutdown; keep beating otherwise
                if self.stopping.is_set():
                    return
                log.exception("visibility heartbeat failed on %s", self.queue_arn)
                self.stopping.wait(0.5)

    def _deliver(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Runs the batch; the records that failed (all of them when the invocation failed)."""
        event = {"Records": [sqs_record(m, self.queue_arn) for m in messages]}
        try:
            instances = self.instances
            if instances is not None:
                response = instances.invoke(event)
            else:
                response = self.function.invoke(event, concurrent=True)
        except Exception:  # noqa: BLE001 - a failed invocation leaves the whole batch to be retried
            log.exception("%s failed a batch of %d", self.function.logical_id, len(messages))
            return messages
        failed: set[str] = set()
        if self.report_failures and isinstance(response, dict):
            failed = {item["itemIdentifier"] for item in response.get("batchItemFailures") or []}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return [m for m in messages if m["MessageId"] in failed]
