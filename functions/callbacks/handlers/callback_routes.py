"""Agent API routes for callback tasks (a Router the agent API includes):

GET  /api/callbacks/tasks                    due, escalated and in-call callbacks, oldest first
GET  /api/callbacks/upcoming                 bookings whose slot has not come, soonest first, and the agency's
                                             time zone (the page lists them by day in it)
POST /api/callbacks/<id>/take                the caller takes a waiting task (SendTaskSuccess on its token)
POST /api/callbacks/<id>/outcome {"outcome": "done" | "no_answer"}   the agent on the call reports it
GET  /api/callbacks/roster/<department>      who takes callbacks (its size caps callbacks per slot)
PUT  /api/callbacks/roster/<department> {"staff": [sub, ...]}    admins set it
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, Field
from switchboard.access import department_scope
from switchboard.clock import utc_now_iso
from switchboard.observability import logger
from switchboard.roles import groups_from_claims, has_role
from switchboard.staff_routes import current_staff, jwt_claims, requires

from callbacks.dal.callback_table import BookingTable, CallbackTable
from callbacks.integrations.task_responses import StepFunctionsTasks, TaskGone
from callbacks.models.callbacks import CALLBACK_ID, CallbackTask, Outcome, UpcomingCallback

router = Router()
AGENT = [requires("agent")]
ADMIN = [requires("admin")]
DEPARTMENT = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class CallbackTaskList(BaseModel):
    tasks: list[CallbackTask]


class OutcomeRequest(BaseModel):
    outcome: Outcome


class CallbackAnswer(BaseModel):
    callback_id: str
    status: str


@cache
def _deps() -> tuple[CallbackTable, StepFunctionsTasks]:
    import os

    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    return CallbackTable(table), StepFunctionsTasks(boto3.client("stepfunctions"))


def _error(status: int, message: str) -> Response[Any]:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body={"message": message}
    )


def _caller() -> tuple[str, bool]:
    claims = jwt_claims(router)  # type: ignore[arg-type]
    return str(claims["sub"]), has_role(groups_from_claims(claims), "supervisor")


@router.get("/api/callbacks/tasks", middlewares=AGENT)
def get_callback_tasks() -> CallbackTaskList:
    table, _ = _deps()
    agent_sub, supervisor = _caller()
    tasks = [CallbackTask.model_validate(item) for item in table.list_tasks()]
    if not supervisor:  # escalated callbacks are for supervisors to hand out
        tasks = [t for t in tasks if not t.escalated or t.status == "in_call"]
    # The same scope as the threads: an agent sees the callbacks of their departments, and those they took.
    scope = department_scope(current_staff(router), router.context.get("supervisor_scope", "all"))
    if scope is not None:
        tasks = [t for t in tasks if t.department in scope or t.taken_by == agent_sub]
    return CallbackTaskList(tasks=tasks)


class UpcomingCallbacks(BaseModel):
    timezone: str
    bookings: list[UpcomingCallback]


@router.get("/api/callbacks/upcoming", middlewares=AGENT)
def get_upcoming_callbacks() -> UpcomingCallbacks:
    import os

    table, _ = _deps()
    bookings = [UpcomingCallback.model_validate(item) for item in table.list_upcoming(utc_now_iso())]
    scope = department_scope(current_staff(router), router.context.get("supervisor_scope", "all"))
    if scope is not None:
        bookings = [b for b in bookings if b.department in scope]
    return UpcomingCallbacks(
        timezone=os.environ.get("AGENCY_TIME_ZONE") or "America/New_York", bookings=bookings
    )


@router.post("/api/callbacks/<callback_id>/take", middlewares=AGENT)
def post_take(callback_id: str) -> Response[Any]:
    if not CALLBACK_ID.match(callback_id):
        return _error(404, "callback not found")
    table, tasks = _deps()
    agent_sub, supervisor = _caller()
    item = table.get(callback_id)
    if item is None:
        return _error(404, "callback not found")
    if item.escalated and not supervisor:
        return _error(403, "forbidden")
    scope = department_scope(current_staff(router), router.context.get("supervisor_scope", "all"))
    if scope is not None and item.department not in scope:
        return _error(403, "forbidden")  # the callback's thread is outside the caller's departments
    token = table.take(callback_id, agent_sub, utc_now_iso())
    if token is None:
        return _error(409, "this callback is not waiting (taken by someone else or closed)")
    try:
        tasks.succeed(token, {"taken_by": agent_sub})
    except TaskGone:
        return _error(409, "this callback is no longer waiting")
    logger.info("Callback taken", extra={"callback_id": callback_id})
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=CallbackAnswer(callback_id=callback_id, status="taken").model_dump(),
    )


@router.post("/api/callbacks/<callback_id>/outcome", middlewares=AGENT)
def post_outcome(callback_id: str, request: OutcomeRequest) -> Response[Any]:
    if not CALLBACK_ID.match(callback_id):
        return _error(404, "callback not found")
    table, tasks = _deps()
    agent_sub, supervisor = _caller()
    token = table.outcome_token(callback_id, agent_sub, may_override=supervisor)
    if token is None:
        return _error(409, "you are not on a call for this callback")
    try:
        tasks.succeed(token, {"outcome": request.outcome, "by": agent_sub})
    except TaskGone:
        return _error(409, "this callback is no longer waiting")
    logger.info("Callback outcome", extra={"callback_id": callback_id, "outcome": request.outcome})
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=CallbackAnswer(callback_id=callback_id, status=request.outcome).model_dump(),
    )


class Roster(BaseModel):
    department: str = ""
    staff: list[str] = Field(default_factory=list, max_length=200)


@router.get("/api/callbacks/roster/<department>", middlewares=AGENT)
def get_roster(department: str) -> Response[Any]:
    if not DEPARTMENT.match(department):
        return _error(400, "invalid department")
    table, _ = _deps()
    roster = Roster(department=department, staff=BookingTable(table._table).roster(department))
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=roster.model_dump())


@router.put("/api/callbacks/roster/<department>", middlewares=ADMIN)
def put_roster(department: str, request: Roster) -> Response[Any]:
    if not DEPARTMENT.match(department):
        return _error(400, "invalid department")
    if any(not re.match(r"^[0-9a-zA-Z-]{1,64}$", sub) for sub in request.staff):
        return _error(400, "invalid staff id")
    table, _ = _deps()
    staff = sorted(set(request.staff))
    BookingTable(table._table).set_roster(department, staff, utc_now_iso())
    logger.info("Callback roster set", extra={"department": department, "size": len(staff)})
    roster = Roster(department=department, staff=staff)
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=roster.model_dump())
