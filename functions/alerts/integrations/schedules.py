"""EventBridge Scheduler: one-time schedules that put a job on AlertPlanQueue (an alert's send time, and the
end of quiet hours for the residents it held). Each deletes itself after firing."""

from __future__ import annotations

import json
import re
from typing import Any

from botocore.exceptions import ClientError
from switchboard.dynamodb import error_code


def _at(moment_utc: str) -> str:
    # at(yyyy-mm-ddThh:mm:ss) in ScheduleExpressionTimezone (UTC here).
    return f"at({moment_utc[:19]})"


class PlanSchedules:
    def __init__(self, scheduler: Any, *, group: str, queue_arn: str, role_arn: str) -> None:
        self._scheduler = scheduler
        self._group = group
        self._queue_arn = queue_arn
        self._role_arn = role_arn
        self._known: set[str] = set()

    def schedule_alert(self, alert_id: str, send_at_utc: str) -> None:
        self._create(f"alert-{alert_id}", send_at_utc, {"kind": "alert.plan", "alert_id": alert_id})

    def cancel_alert(self, alert_id: str) -> None:
        try:
            self._scheduler.delete_schedule(GroupName=self._group, Name=f"alert-{alert_id}")
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise

    def ensure_wake(self, alert_id: str, wake_at: str) -> None:
        """One schedule per (alert, wake time): every resident of a time zone shares it."""
        name = f"alert-{alert_id}-wake-{re.sub(r'[^0-9]', '', wake_at)}"
        if name in self._known:
            return
        self._create(
            name,
            wake_at.replace("Z", ":00"),
            {"kind": "alert.wake", "alert_id": alert_id, "wake_at": wake_at},
        )
        self._known.add(name)

    def _create(self, name: str, at_utc: str, job: dict[str, str]) -> None:
        try:
            self._scheduler.create_schedule(
                GroupName=self._group,
                Name=name,
                ScheduleExpression=_at(at_utc),
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target={"Arn": self._queue_arn, "RoleArn": self._role_arn, "Input": json.dumps(job)},
            )
        except ClientError as error:
            if error_code(error) != "ConflictException":
                raise
