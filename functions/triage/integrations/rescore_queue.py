"""Puts re-score jobs on TriageRescoreQueue."""

from __future__ import annotations

from typing import Any

from triage.models.jobs import RescoreJob


class SqsRescoreJobs:
    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def start(self, job: RescoreJob) -> None:
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=job.model_dump_json())
