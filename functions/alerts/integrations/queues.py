"""AlertPlanQueue and AlertSendQueue producers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from alerts.models.alerts import DeliveryJob, PlanJob

SQS_BATCH = 10
# SendMessageBatch calls in flight at once: a 100,000-recipient alert is 10,000 calls.
PARALLEL_BATCHES = 8
_ATTEMPTS = 3


class SqsDeliveryQueue:
    def __init__(self, sqs: Any, queue_url: str, parallel: int = PARALLEL_BATCHES) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._parallel = parallel

    def enqueue(self, jobs: Sequence[DeliveryJob]) -> None:
        batches = [jobs[i : i + SQS_BATCH] for i in range(0, len(jobs), SQS_BATCH)]
        if not batches:
            return
        with ThreadPoolExecutor(max_workers=self._parallel) as pool:
            # list(): re-raise the first failure here, after every batch was tried.
            list(pool.map(self._send_batch, batches))

    def _send_batch(self, batch: Sequence[DeliveryJob]) -> None:
        _send_ten(self._sqs, self._queue_url, [job.model_dump_json(exclude_none=True) for job in batch])


def _send_ten(sqs: Any, queue_url: str, bodies: Sequence[str]) -> None:
    """One SendMessageBatch of up to ten bodies, the failed entries sent again; raises if any is left."""
    entries = {str(i): body for i, body in enumerate(bodies)}
    for _ in range(_ATTEMPTS):
        response = sqs.send_message_batch(
            QueueUrl=queue_url, Entries=[{"Id": key, "MessageBody": body} for key, body in entries.items()]
        )
        failed = {entry["Id"] for entry in response.get("Failed", [])}
        entries = {key: body for key, body in entries.items() if key in failed}
        if not entries:
            return
    raise RuntimeError(f"{len(entries)} alert messages could not be enqueued")


class SqsPlanQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def start_now(self, alert_id: str) -> None:
        self._sqs.send_message(
            QueueUrl=self._queue_url, MessageBody=json.dumps({"kind": "alert.plan", "alert_id": alert_id})
        )

    def enqueue_plans(self, jobs: Sequence[PlanJob]) -> None:
        """Shard jobs, in SendMessageBatch calls of ten; raises if any could not be sent (the planner's own
        job is then retried, and shards already finished skip themselves)."""
        for start in range(0, len(jobs), SQS_BATCH):
            batch = jobs[start : start + SQS_BATCH]
            _send_ten(self._sqs, self._queue_url, [job.model_dump_json(exclude_none=True) for job in batch])
