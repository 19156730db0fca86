"""Reminder routes the agent API includes (a Router): upload records (supervisor), list them with their state
(agent), mark one complete (agent), see and change the plans (admin changes)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any

import boto3
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from botocore.exceptions import ClientError
from switchboard.audit import Actor
from switchboard.clock import format_timestamp
from switchboard.quiet_hours import zone_for
from switchboard.staff_routes import requires

from reminders.dal.reminders_table import RemindersTable
from reminders.logic.reminders import Intake, RecordNotFound, complete, parse_csv, plans_by_kind, view
from reminders.models.reminders import (
    PlanList,
    RecordList,
    RecordView,
    ReminderPlan,
    UploadRequest,
    UploadResult,
)

router = Router()
RecordId = Annotated[str, Path(pattern=r"^[a-f0-9]{32}$")]
Kind = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,39}$")]


class RemindersNotConfigured(RuntimeError):
    pass


class Executions:
    """One execution per record, named by its id (so starting twice starts one)."""

    def __init__(self, client: Any, arn: str) -> None:
        self._sfn = client
        self._arn = arn

    def start(self, record_id: str) -> None:
        try:
            self._sfn.start_execution(
                stateMachineArn=self._arn, name=record_id, input=json.dumps({"record_id": record_id})
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise


@cache
def dependencies() -> tuple[RemindersTable, Executions | None]:
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    arn = os.environ.get("REMINDER_STATE_MACHINE_ARN", "")
    return RemindersTable(table), Executions(boto3.client("stepfunctions"), arn) if arn else None


def _store() -> RemindersTable:
    return dependencies()[0]


def _executions() -> Executions:
    executions = dependencies()[1]
    if executions is None:
        raise RemindersNotConfigured("REMINDER_STATE_MACHINE_ARN is not set")
    return executions


def _actor() -> Actor:
    agent = router.context["agent"]
    return Actor(sub=agent.sub, email=agent.email)


@router.post("/api/reminders/records", middlewares=[requires("supervisor")])
def post_records(request: UploadRequest) -> UploadResult:
    try:
        rows = parse_csv(request.csv) if request.csv is not None else list(request.records or [])
    except ValueError as error:
        raise BadUpload(str(error)) from None
    zone = zone_for(os.environ.get("AGENCY_TIME_ZONE"), default="America/New_York")
    intake = Intake(store=_store(), workflows=_executions(), zone=zone)
    result = intake.upload(rows, _actor().sub)
    router.context["workspace"].audit.record(
        _actor(),
        "reminders.upload",
        detail={k: str(v) for k, v in result.model_dump(exclude={"errors"}).items()},
    )
    return result


@router.get("/api/reminders/records", middlewares=[requires("agent")])
def get_records() -> RecordList:
    return RecordList(records=[view(r) for r in _store().records(200)])


@router.post("/api/reminders/records/<record_id>/complete", middlewares=[requires("agent")])
def post_complete(record_id: RecordId) -> RecordView:
    now = format_timestamp(datetime.now(UTC))
    record = complete(_store(), record_id, _actor().sub, now)
    router.context["workspace"].audit.record(_actor(), "reminders.complete", detail={"record_id": record_id})
    return record


@router.get("/api/reminders/plans", middlewares=[requires("agent")])
def get_plans() -> PlanList:
    return PlanList(plans=list(plans_by_kind(_store()).values()))


@router.put("/api/reminders/plans/<kind>", middlewares=[requires("admin")])
def put_plan(kind: Kind, plan: ReminderPlan) -> ReminderPlan:
    if plan.kind != kind:
        raise BadUpload("the plan's kind must match the URL")
    _store().put_plan(plan.model_dump())
    router.context["workspace"].audit.record(_actor(), "reminders.plan", detail={"kind": kind})
    return plan


class BadUpload(ValueError):
    pass


@router.exception_handler(BadUpload)
def bad_upload(error: BadUpload) -> Response[dict[str, str]]:
    return Response(
        status_code=400, content_type=content_types.APPLICATION_JSON, body={"message": str(error)}
    )


@router.exception_handler(RecordNotFound)
def not_found(error: RecordNotFound) -> Response[dict[str, str]]:
    return Response(
        status_code=404,
        content_type=content_types.APPLICATION_JSON,
        body={"message": "no such reminder record"},
    )
