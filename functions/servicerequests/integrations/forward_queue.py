"""CityForwardQueue, as the producers see it: one job per new service request (the consumer decides whether
a city takes it)."""

from __future__ import annotations

from typing import Any

from servicerequests.models.city import ForwardJob


class SqsCityForwardQueue:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def __call__(self, request_id: str) -> None:
        body = ForwardJob(request_id=request_id).model_dump_json()
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=body)

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        """The failed job comes back after `seconds` (its visibility), not after the queue's default."""
        self._sqs.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
