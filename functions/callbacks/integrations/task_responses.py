"""Answers to the callback workflow's waiting tasks (SendTaskSuccess), and starting its executions."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError


class TaskGone(Exception):
    """The workflow no longer waits on this token (timed out, escalated or stopped)."""


class StepFunctionsTasks:
    def __init__(self, sfn_client: Any) -> None:
        self._sfn = sfn_client

    def succeed(self, token: str, output: dict[str, Any]) -> None:
        try:
            self._sfn.send_task_success(taskToken=token, output=json.dumps(output))
        except ClientError as error:
            if error.response["Error"]["Code"] in ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken"):
                raise TaskGone() from error
            raise


class WorkflowStarter:
    """One execution per callback: its name is the callback id, so starting twice starts one."""

    def __init__(self, sfn_client: Any, state_machine_arn: str) -> None:
        self._sfn = sfn_client
        self._arn = state_machine_arn

    def start(self, callback_id: str, execution_input: dict[str, Any]) -> str:
        name = callback_id
        arn = self._arn.replace(":stateMachine:", ":execution:") + ":" + name
        try:
            return str(
                self._sfn.start_execution(
                    stateMachineArn=self._arn, name=name, input=json.dumps(execution_input)
                )["executionArn"]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return arn  # started before (a retried booking): the one execution stands
            raise

    def stop(self, callback_id: str, cause: str) -> None:
        arn = self._arn.replace(":stateMachine:", ":execution:") + ":" + callback_id
        try:
            self._sfn.stop_execution(executionArn=arn, cause=cause)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ExecutionDoesNotExist":
                raise
