"""NoticesFn, `ANY /api/notices` and `ANY /api/notices/{proxy+}` (Cognito JWT, supervisor or admin):

GET    /api/notices                    {"notices": [Notice]} newest first
GET    /api/notices/options            {"topics": [{"id", "name"}], "timezone": agency default}
POST   /api/notices                    NoticeRequest -> 201 {"notice"}: the item and its schedule
GET    /api/notices/<id>               {"notice"}
PUT    /api/notices/<id>               NoticeRequest -> {"notice"} (schedule updated in place)
POST   /api/notices/<id>/pause|resume  {"notice"}: the schedule's state DISABLED / ENABLED
DELETE /api/notices/<id>               204: the schedule, then the item
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

import boto3
from alerts.dal.notice_table import NoticeTable
from alerts.integrations.notice_alerts import alert_catalogue
from alerts.integrations.notice_schedules import NoticeSchedules, ScheduleRejected, ScheduleTarget
from alerts.logic.compose import Catalogue
from alerts.logic.notices import (
    NoticeNotFound,
    create_notice,
    delete_notice,
    edit_notice,
    set_state,
)
from alerts.models.alerts import UnknownLanguage, UnknownTopic, UnknownZone
from alerts.models.notices import (
    NOTICE_ID,
    NoticeAnswer,
    NoticeList,
    NoticeOptions,
    NoticeRequest,
    TopicOption,
)
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from switchboard.audit import Actor, AuditLog
from switchboard.body_caps import STAFF_BODY_BYTES, refuse_bodies_over
from switchboard.observability import logger, metrics, tracer
from switchboard.roles import Forbidden
from switchboard.settings import NoticesApiSettings, load_settings
from switchboard.staff_routes import NotAuthenticated, answer_errors, jwt_claims, table_gate
from zones.dal.zones_table import ZonesTable

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings(NoticesApiSettings)
app = APIGatewayHttpResolver(enable_validation=True)
gate = table_gate(settings.table_name, "supervisor")  # every route: signed in, not disabled, supervisor

NoticeId = Annotated[str, Path(pattern=NOTICE_ID.pattern)]


@dataclass(frozen=True)
class NoticeDependencies:
    store: NoticeTable
    schedules: NoticeSchedules
    table: Any
    audit: AuditLog


@cache
def dependencies() -> NoticeDependencies:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    target = ScheduleTarget(
        group=settings.schedule_group,
        function_arn=settings.fire_function_arn,
        role_arn=settings.scheduler_role_arn,
        dead_letter_arn=settings.dead_letter_arn,
    )
    return NoticeDependencies(
        store=NoticeTable(table),
        schedules=NoticeSchedules(boto3.client("scheduler"), target),
        table=table,
        audit=AuditLog(table),
    )


def actor() -> Actor:
    claims = jwt_claims(app)
    email = claims.get("email")
    return Actor(sub=str(claims["sub"]), email=str(email) if email else None)


def catalogue() -> Catalogue:
    return alert_catalogue(dependencies().table, ZonesTable(dependencies().table))


@app.get("/api/notices")
def get_notices() -> NoticeList:
    return NoticeList(notices=dependencies().store.list())


@app.get("/api/notices/options")
def get_options() -> NoticeOptions:
    known = catalogue()
    return NoticeOptions(
        topics=[TopicOption(id=code, name=name) for code, name in known.topics.items()],
        zones=[TopicOption(id=zone, name=name) for zone, (name, _) in known.zones.items()],
        languages=list(known.languages),
        timezone=settings.default_time_zone,
    )


@app.post("/api/notices")
def post_notice(request: NoticeRequest) -> Response[NoticeAnswer]:
    deps = dependencies()
    notice = create_notice(deps.store, deps.schedules, deps.audit, catalogue(), actor(), request)
    return Response(
        status_code=201, content_type=content_types.APPLICATION_JSON, body=NoticeAnswer(notice=notice)
    )


@app.get("/api/notices/<notice_id>")
def get_notice(notice_id: NoticeId) -> NoticeAnswer:
    notice = dependencies().store.get(notice_id)
    if notice is None:
        raise NoticeNotFound(notice_id)
    return NoticeAnswer(notice=notice)


@app.put("/api/notices/<notice_id>")
def put_notice(notice_id: NoticeId, request: NoticeRequest) -> NoticeAnswer:
    deps = dependencies()
    return NoticeAnswer(
        notice=edit_notice(deps.store, deps.schedules, deps.audit, catalogue(), actor(), notice_id, request)
    )


@app.post("/api/notices/<notice_id>/pause")
def pause_notice(notice_id: NoticeId) -> NoticeAnswer:
    deps = dependencies()
    return NoticeAnswer(
        notice=set_state(deps.store, deps.schedules, deps.audit, actor(), notice_id, "DISABLED")
    )


@app.post("/api/notices/<notice_id>/resume")
def resume_notice(notice_id: NoticeId) -> NoticeAnswer:
    deps = dependencies()
    return NoticeAnswer(
        notice=set_state(deps.store, deps.schedules, deps.audit, actor(), notice_id, "ENABLED")
    )


@app.delete("/api/notices/<notice_id>")
def remove_notice(notice_id: NoticeId) -> Response[None]:
    deps = dependencies()
    delete_notice(deps.store, deps.schedules, deps.audit, actor(), notice_id)
    return Response(status_code=204)


answer_errors(
    app,
    {
        NotAuthenticated: (401, "not authenticated"),
        Forbidden: (403, "only supervisors and admins manage notices"),
        NoticeNotFound: (404, "notice not found"),
        UnknownTopic: (400, "unknown topic: pick one of the agency's topics"),
        UnknownZone: (400, "unknown zone: pick one of the agency's zones"),
        UnknownLanguage: (400, "unknown language: pick one the agency sends in"),
        ScheduleRejected: (
            400,
            "EventBridge Scheduler refused this schedule: check the expression and time zone",
        ),
    },
)


@logger.inject_lambda_context(log_event=False, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@refuse_bodies_over(STAFF_BODY_BYTES)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return gate.resolve(app, event, context)
