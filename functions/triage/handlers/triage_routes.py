"""Triage routes of the agent API (a Router it includes).

- `PUT /api/threads/{thread_id}/triage` (agent) `{"level", "reason"}` → TriageState: staff overrule the level;
  it holds until the resident's next message or a staff reply. Audited `triage.override` (level, no reason
  text: it may quote the resident). 404 unknown thread.
- `GET /api/triage/rules` (admin) → `{"version", "rules", "updated_at", "updated_by", "shipped"}`.
- `PUT /api/triage/rules` (admin) `{"based_on_version", "rules"}` → the saved RulesView (the next version);
  400 `{"message", "problems"}` when they do not validate, 409 when someone saved since `based_on_version`.
  Audited `triage.rules`; starts the background re-score of every open thread (TriageRescoreQueue).
- `GET /api/triage/oncall` (admin) → OnCallView; `PUT /api/triage/oncall` (admin) `{"number", "page_url"}`
  → the saved OnCallView: the number texted (catalog words and a link, never the resident's text) when a
  crisis is flagged; null texts nobody. 422 for a number that is not a phone number. Audited
  `triage.oncall` (set or cleared, never the number).
- `GET /api/triage/notices?since=ISO` (supervisor) → `{"notices": [{"kind", "thread_id", "codes", "at"}]}`:
  crisis answers sent, newest first (a week is kept).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated

import boto3
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from inbox.models.conversations import Agent
from switchboard.audit import Actor, AuditLog
from switchboard.clock import utc_now_iso
from switchboard.observability import logger
from switchboard.settings import AgentApiSettings, load_settings
from switchboard.staff_routes import requires

from triage.dal.triage_table import TriageTable
from triage.integrations.rescore_queue import SqsRescoreJobs
from triage.logic.rules_store import InvalidRules, RulesConflict, current_rules, save_rules
from triage.models.jobs import RescoreJob
from triage.models.views import (
    NoticeList,
    NoticeView,
    OnCallRequest,
    OnCallView,
    OverrideRequest,
    RulesSaveRequest,
    RulesView,
    TriageState,
)

router = Router()
AGENT = [requires("agent")]
SUPERVISOR = [requires("supervisor")]
ADMIN = [requires("admin")]
ThreadId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Since = Annotated[str, Query(pattern=r"^\d{4}-\d{2}-\d{2}T[0-9:.]+Z$")]


class ThreadNotFound(LookupError):
    pass


@dataclass(frozen=True)
class TriageRouteDependencies:
    table: TriageTable
    audit: AuditLog
    rescore_jobs: SqsRescoreJobs | None  # None: the stack has no re-score queue


@cache
def dependencies() -> TriageRouteDependencies:
    settings = load_settings(AgentApiSettings)
    table = boto3.resource("dynamodb").Table(settings.table_name)
    queue_url = settings.triage_rescore_queue_url
    jobs = SqsRescoreJobs(boto3.client("sqs"), queue_url) if queue_url else None
    return TriageRouteDependencies(table=TriageTable(table), audit=AuditLog(table), rescore_jobs=jobs)


def _actor() -> Actor:
    agent: Agent = router.context["agent"]
    return Actor(sub=agent.sub, email=agent.email)


def _json(status: int, body: dict[str, object]) -> Response[dict[str, object]]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


@router.put("/api/threads/<thread_id>/triage", middlewares=AGENT)
def put_thread_triage(thread_id: ThreadId, request: OverrideRequest) -> TriageState:
    deps, actor = dependencies(), _actor()
    thread = deps.table.override_thread(thread_id, request.level, request.reason, actor.sub, utc_now_iso())
    if thread is None:
        raise ThreadNotFound(thread_id)
    deps.audit.record(actor, "triage.override", thread_id=thread_id, detail={"level": request.level})
    logger.info("Triage overridden", extra={"thread_id": thread_id, "urgency": request.level})
    return TriageState.model_validate(thread)


@router.get("/api/triage/rules", middlewares=ADMIN)
def get_rules() -> RulesView:
    return current_rules(dependencies().table)


@router.put("/api/triage/rules", middlewares=ADMIN)
def put_rules(request: RulesSaveRequest) -> Response[dict[str, object]]:
    deps, actor = dependencies(), _actor()
    try:
        rules = save_rules(deps.table, request.rules, request.based_on_version, actor.sub, utc_now_iso())
    except InvalidRules as invalid:
        return _json(400, {"message": "invalid rules", "problems": list(invalid.problems)})
    except RulesConflict:
        return _json(409, {"message": "the rules were saved by someone else meanwhile: reload them"})
    deps.audit.record(actor, "triage.rules", detail={"version": str(rules.version)})
    # Every open thread is re-scored with the new rules in the background (TriageRescoreFn).
    if deps.rescore_jobs is not None:
        deps.rescore_jobs.start(RescoreJob(rules_version=rules.version))
    logger.info(
        "Triage rules saved", extra={"version": rules.version, "rescore": deps.rescore_jobs is not None}
    )
    return _json(200, current_rules(deps.table).model_dump(mode="json"))


@router.get("/api/triage/oncall", middlewares=ADMIN)
def get_oncall() -> OnCallView:
    return OnCallView.model_validate(dependencies().table.oncall() or {})


@router.put("/api/triage/oncall", middlewares=ADMIN)
def put_oncall(request: OnCallRequest) -> OnCallView:
    deps, actor = dependencies(), _actor()
    deps.table.save_oncall(request.number, request.page_url, actor.sub, utc_now_iso())
    deps.audit.record(actor, "triage.oncall", detail={"texted": "yes" if request.number else "no"})
    logger.info("Triage on-call number saved", extra={"texted": bool(request.number)})
    return OnCallView.model_validate(deps.table.oncall() or {})


@router.get("/api/triage/notices", middlewares=SUPERVISOR)
def get_notices(since: Since = "1970-01-01T00:00:00.000000Z") -> NoticeList:
    notices = dependencies().table.supervisor_notices(since)
    return NoticeList(notices=[NoticeView.model_validate(notice) for notice in notices])


@router.exception_handler(ThreadNotFound)
def thread_not_found(_error: ThreadNotFound) -> Response[dict[str, str]]:
    return Response(
        status_code=404, content_type=content_types.APPLICATION_JSON, body={"message": "thread not found"}
    )
