"""Puts accepted Twilio webhooks on their SQS queue."""

from __future__ import annotations

import json
from typing import Any

from channels.models.webhooks import QueuedTwilioEvent


class SqsTwilioEventPublisher:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._queue_url = queue_url

    def publish(self, event: QueuedTwilioEvent) -> None:
        request: dict[str, Any] = {
            "QueueUrl": self._queue_url,
            "MessageBody": json.dumps(event.body(), separators=(",", ":"), ensure_ascii=False),
        }
        if event.group_id:
            request["MessageGroupId"] = event.group_id
        if event.deduplication_id:
            request["MessageDeduplicationId"] = event.deduplication_id
        self._sqs.send_message(**request)
