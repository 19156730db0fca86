"""Feedback routes of the agent API (a Router it includes; issue 18).

Residents' ratings (supervisor):
- `GET /api/feedback/ratings?from=YYYY-MM-DD&to=YYYY-MM-DD&format=json|csv` → `{"ratings", "sent",
  "responses", "response_rate", "satisfaction", "distribution"}` (UTC days, ≤ 92) or the ratings as CSV.
- `GET /api/feedback/follow-ups` → `{"follow_ups": [...]}`: low ratings (1-2) with words, newest first.
- `POST /api/feedback/follow-ups/{id}/done` → the item, marked done by the caller (audited
  `feedback.follow_up`).

The staff pulse:
- `POST /api/pulse` (supervisor) `{"question", "text_question"?, "department_id"?}` → 201 the pulse
  (audited `pulse.create`); `GET /api/pulse` (supervisor) → the newest pulses with their answer counts;
  `GET /api/pulse/{id}/results` (supervisor) → distribution, mean and texts only with 5 answers or more.
- `GET /api/pulse/open` (agent) → the pulses sent to the caller, each with their one token when first issued.
- `POST /api/pulse/{id}/answers` (agent) `{"token", "score", "text"?}` → 204; 409 for a used or unknown
  token. The answer is stored without the caller's id, and never logged with it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated, Any, Literal

import boto3
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from inbox.models.conversations import Agent
from switchboard.audit import Actor, AuditLog
from switchboard.clock import format_timestamp
from switchboard.settings import AgentApiSettings, load_settings
from switchboard.staff_routes import current_staff, requires

from feedback.dal.feedback_table import FeedbackTable
from feedback.dal.pulse_table import PulseTable
from feedback.logic import rating_lists
from feedback.logic.pulse import PulseNotFound, Pulses, PulseTokenRefused
from feedback.models.feedback import FollowUpList, FollowUpView, RatingList
from feedback.models.pulse import (
    OpenPulses,
    PulseAnswerRequest,
    PulseList,
    PulseRequest,
    PulseResults,
)

router = Router()
AGENT = [requires("agent")]
SUPERVISOR = [requires("supervisor")]
Day = Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]
ItemId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


@cache
def dependencies() -> tuple[FeedbackTable, Pulses, AuditLog]:
    table = boto3.resource("dynamodb").Table(load_settings(AgentApiSettings).table_name)
    return FeedbackTable(table), Pulses(PulseTable(table)), AuditLog(table)


def _actor() -> Actor:
    agent: Agent = router.context["agent"]
    return Actor(sub=agent.sub, email=agent.email)


def _json(status: int, body: Any) -> Response[Any]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def _day(value: str) -> date:
    return date.fromisoformat(value)


# --- residents' ratings ------------------------------------------------------------------------------------


@router.get("/api/feedback/ratings", middlewares=SUPERVISOR)
def get_ratings(
    from_: Annotated[str, Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}$")],
    to: Day,
    format: Literal["json", "csv"] = "json",  # noqa: A002 - the query parameter's name
) -> Response[Any]:
    try:
        ratings = rating_lists.rating_list(dependencies()[0], _day(from_), _day(to))
    except (rating_lists.PeriodRefused, ValueError) as refused:
        return _json(400, {"error": "invalid_period", "message": str(refused)})
    if format == "csv":
        return Response(
            status_code=200,
            content_type="text/csv; charset=utf-8",
            body=rating_lists.ratings_csv(ratings),
            headers={"Content-Disposition": f'attachment; filename="ratings-{from_}-{to}.csv"'},
        )
    return _json(200, RatingList.model_validate(ratings).model_dump(mode="json"))


@router.get("/api/feedback/follow-ups", middlewares=SUPERVISOR)
def get_follow_ups() -> FollowUpList:
    return rating_lists.follow_up_list(dependencies()[0])


@router.post("/api/feedback/follow-ups/<follow_up_id>/done", middlewares=SUPERVISOR)
def post_follow_up_done(follow_up_id: ItemId) -> Response[Any]:
    table, _, audit = dependencies()
    actor = _actor()
    try:
        item = rating_lists.finish_follow_up(
            table, follow_up_id, actor.sub, format_timestamp(datetime.now(UTC))
        )
    except rating_lists.FollowUpNotFound:
        return _json(404, {"error": "not_found", "message": "no such follow-up"})
    audit.record(actor, "feedback.follow_up", thread_id=item.thread_id, detail={"follow_up_id": follow_up_id})
    return _json(200, FollowUpView.model_validate(item).model_dump(mode="json"))


# --- the staff pulse ---------------------------------------------------------------------------------------


@router.post("/api/pulse", middlewares=SUPERVISOR)
def post_pulse(request: PulseRequest) -> Response[Any]:
    _, pulses, audit = dependencies()
    actor = _actor()
    pulse = pulses.create(request, actor.sub)
    audit.record(actor, "pulse.create", detail={"pulse_id": pulse.pulse_id})
    return _json(201, pulse.model_dump(mode="json"))


@router.get("/api/pulse", middlewares=SUPERVISOR)
def get_pulses() -> PulseList:
    return dependencies()[1].list()


@router.get("/api/pulse/open", middlewares=AGENT)
def get_open_pulses() -> OpenPulses:
    staff = current_staff(router)
    return dependencies()[1].open_for(staff.sub, staff.departments)


@router.post("/api/pulse/<pulse_id>/answers", middlewares=AGENT)
def post_pulse_answer(pulse_id: ItemId, request: PulseAnswerRequest) -> Response[Any]:
    try:
        dependencies()[1].answer(pulse_id, request)
    except PulseNotFound:
        return _json(404, {"error": "not_found", "message": "no such pulse"})
    except PulseTokenRefused:
        return _json(409, {"error": "already_answered", "message": "this pulse was already answered"})
    return Response(status_code=204, content_type=content_types.APPLICATION_JSON, body="")


@router.get("/api/pulse/<pulse_id>/results", middlewares=SUPERVISOR)
def get_pulse_results(pulse_id: ItemId) -> Response[Any]:
    try:
        results: PulseResults = dependencies()[1].results(pulse_id)
    except PulseNotFound:
        return _json(404, {"error": "not_found", "message": "no such pulse"})
    return _json(200, results.model_dump(mode="json"))
