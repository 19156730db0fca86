"""Hands agent replies to the sender through the OutboundQueue (FIFO: group = thread, dedup = message)."""

from __future__ import annotations

import json
from typing import Any


class SqsReplyQueue:
    def __init__(self, sqs_client: Any, queue_url: str) -> None:
        self._sqs = sqs_client
        self._queue_url = queue_url

    def enqueue(
        self,
        thread_id: str,
        message_id: str,
        message_sk: str,
        *,
        category: str = "conversational",
        topic: str | None = None,
    ) -> None:
        """`category` tells the sender whether consent must be checked at send time (`non_transactional`)."""
        body: dict[str, str] = {
            "kind": "reply",
            "thread_id": thread_id,
            "message_id": message_id,
            "message_sk": message_sk,
            "category": category,
        }
        if topic:
            body["topic"] = topic
        self._sqs.send_message(
            QueueUrl=self._queue_url,
            MessageBody=json.dumps(body, separators=(",", ":")),
            MessageGroupId=thread_id,
            MessageDeduplicationId=message_id,
        )
