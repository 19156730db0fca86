"""How a survey reaches the resident: stored in their thread as an automatic message and queued for the sender
(category `non_transactional`: the sender reads consent right before calling Twilio), and, inside quiet
hours, a one-time EventBridge Scheduler schedule that invokes FeedbackSurveyFn when they end."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from inbox.integrations.thread_replies import OutboundQueue, ThreadReplies, ThreadStore
from switchboard.dynamodb import error_code

from feedback.models.feedback import Survey


class ThreadSurveyTexts:
    def __init__(self, threads: ThreadStore, queue: OutboundQueue) -> None:
        self._replies = ThreadReplies(threads, queue)

    def send(self, survey: Survey, message_id: str, body: str, at: str) -> None:
        # Kept closed: an automatic message neither reopens the thread nor changes its unread count.
        self._replies.post(survey.thread_id, survey.address, message_id, body, at, "non_transactional")


class ScheduledSurveys:
    """One schedule per survey, named by it; it deletes itself after firing. A repeat is a no-op."""

    def __init__(
        self, scheduler: Any, *, group: str, function_arn: str, role_arn: str, dead_letter_arn: str = ""
    ) -> None:
        self._scheduler = scheduler
        self._group = group
        self._function_arn = function_arn
        self._role_arn = role_arn
        self._dead_letter_arn = dead_letter_arn

    def send_at(self, survey: Survey, at: datetime) -> None:
        payload = {"kind": "feedback.survey", "thread_id": survey.thread_id, "survey_id": survey.survey_id}
        target: dict[str, Any] = {
            "Arn": self._function_arn,
            "RoleArn": self._role_arn,
            "Input": json.dumps(payload),
            "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10},
        }
        if self._dead_letter_arn:
            target["DeadLetterConfig"] = {"Arn": self._dead_letter_arn}
        try:
            self._scheduler.create_schedule(
                GroupName=self._group,
                Name=f"survey-{survey.survey_id}",
                ScheduleExpression=f"at({at.strftime('%Y-%m-%dT%H:%M:%S')})",
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target=target,
            )
        except ClientError as error:
            if error_code(error) != "ConflictException":
                raise
