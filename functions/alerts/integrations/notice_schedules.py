"""A notice's EventBridge Scheduler schedule: named by the notice id, in the notices' schedule group, invoking
NoticeFireFn with `{"notice_id", "scheduled_time"}` through the least-privilege scheduler role."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from alerts.models.notices import Notice

# Scheduler retries a failed invocation for up to an hour; after that the occurrence goes to the dead-letter
# queue (an alarm watches it) rather than going out late.
RETRY_POLICY = {"MaximumRetryAttempts": 5, "MaximumEventAgeInSeconds": 3600}


class ScheduleRejected(ValueError):
    """EventBridge Scheduler refused the expression or time zone (a ValidationException)."""


def _rejected(error: ClientError) -> bool:
    return error.response["Error"]["Code"] == "ValidationException"


@dataclass(frozen=True)
class ScheduleTarget:
    group: str
    function_arn: str
    role_arn: str
    dead_letter_arn: str


class NoticeSchedules:
    def __init__(self, client: Any, target: ScheduleTarget) -> None:
        self._client = client
        self._target = target

    def _request(self, notice: Notice) -> dict[str, Any]:
        target: dict[str, Any] = {
            "Arn": self._target.function_arn,
            "RoleArn": self._target.role_arn,
            "Input": json.dumps(
                {"notice_id": notice.notice_id, "scheduled_time": "<aws.scheduler.scheduled-time>"}
            ),
            "RetryPolicy": RETRY_POLICY,
        }
        if self._target.dead_letter_arn:
            target["DeadLetterConfig"] = {"Arn": self._target.dead_letter_arn}
        return {
            "Name": notice.notice_id,
            "GroupName": self._target.group,
            "ScheduleExpression": notice.schedule,
            "ScheduleExpressionTimezone": notice.timezone,
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "State": notice.state,
            "Description": f"Recurring notice {notice.notice_id} to topic {notice.topic}",
            "Target": target,
        }

    def create(self, notice: Notice) -> None:
        try:
            self._client.create_schedule(**self._request(notice))
        except ClientError as error:
            if _rejected(error):
                raise ScheduleRejected(notice.schedule) from None
            raise

    def update(self, notice: Notice) -> None:
        """UpdateSchedule replaces every field; a schedule lost meanwhile is created again."""
        try:
            self._client.update_schedule(**self._request(notice))
        except ClientError as error:
            if _rejected(error):
                raise ScheduleRejected(notice.schedule) from None
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            self.create(notice)

    def delete(self, notice_id: str) -> None:
        try:
            self._client.delete_schedule(Name=notice_id, GroupName=self._target.group)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
