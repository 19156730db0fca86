"""ANY /api/{proxy+}: the agent page's API, behind the Cognito JWT authorizer."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from callbacks.handlers.callback_routes import router as callback_router
from feedback.handlers.feedback_routes import router as feedback_router
from feedback.logic.surveys import FeedbackSurveys
from inbox.dal.agency_settings import AgencyName
from inbox.dal.alert_replies_table import AlertRepliesTable
from inbox.dal.consent_table import ConsentTable
from inbox.dal.inbox_table import InboxTable
from inbox.dal.inbox_views_table import InboxViewsTable
from inbox.dal.media_store import S3MediaStore
from inbox.dal.workspace_table import WorkspaceTable
from inbox.handlers.inbox_routes import router as inbox_router
from inbox.handlers.workspace_routes import router as workspace_router
from inbox.integrations.reply_queue import SqsReplyQueue
from inbox.logic import alert_replies
from inbox.logic import workspace as workspace_logic
from inbox.logic.agent_inbox import (
    ConversationStore,
    MediaReader,
    ReplyQueue,
    agent_from_claims,
    list_threads,
    open_thread,
    read_media,
    reply_to_thread,
)
from inbox.logic.inbox_views import Visibility
from inbox.logic.workspace import WorkspaceDependencies
from inbox.models.alert_replies import (
    AlertReplyGroupDetail,
    AlertReplyGroups,
    GroupAnswerRequest,
    GroupAnswerResult,
)
from inbox.models.conversations import Agent, ReplyAccepted, ReplyRequest, ThreadDetail, ThreadPage
from inbox.models.errors import (
    AlertGroupNotFound,
    AnswerIdReused,
    AtCapacity,
    CannedReplyNotFound,
    InvalidCursor,
    MediaNotFound,
    NotAuthenticated,
    OwnedByAnother,
    ResidentOptedOut,
    ThreadNotFound,
    UnknownDepartment,
    UnknownStaff,
)
from reminders.handlers.reminder_routes import router as reminder_router
from reports.dal.report_table import STATE_SK, ReportTable, state_pk
from reports.handlers.report_routes import ReportDependencies
from reports.handlers.report_routes import router as report_router
from reports.logic.recorder import ReportRecorder
from reports.steps import ThreadDims
from routing.handlers.routing_routes import router as routing_router
from servicerequests.handlers.catalogue_routes import router as service_router
from servicerequests.handlers.city_routes import router as city_link_router
from servicerequests.handlers.request_routes import router as service_request_router
from servicerequests.handlers.thread_request_routes import router as thread_request_router
from servicerequests.logic.intake import Place
from subscriptions.handlers.audience_routes import router as audience_router
from subscriptions.handlers.consent_routes import router as consent_router
from switchboard.audit import AuditLog
from switchboard.body_caps import AGENT_API_BODY_BYTES, refuse_bodies_over
from switchboard.dynamodb import TransactionConflict
from switchboard.observability import logger, metrics, tracer
from switchboard.read_once import ReadOnceTable, remembered
from switchboard.roles import Forbidden
from switchboard.settings import AgentApiSettings, load_settings
from switchboard.staff_routes import answer_errors, current_staff, table_gate
from switchboard.table_keys import THREAD_META_SK, thread_pk
from translation.handlers.translation_routes import dependencies as translation_dependencies
from translation.handlers.translation_routes import router as translation_router
from translation.logic.transcript import TranscriptTranslations
from triage.handlers.triage_routes import router as triage_router
from zones.dal.zones_table import ZonesTable
from zones.handlers.zone_routes import router as zone_router

from app.feedback_wiring import feedback_surveys, survey_on_close, survey_schedule
from app.handlers.resident_routes import router as resident_router
from app.places import gazetteer_place
from app.reports_wiring import group_reply_counter, report_recorder, staff_action_counter

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings(AgentApiSettings)
app = APIGatewayHttpResolver(enable_validation=True)

Cursor = Annotated[str | None, Query(max_length=1024)]


@dataclass(frozen=True)
class AgentApiDependencies:
    store: ConversationStore
    replies: ReplyQueue
    media: MediaReader
    workspace: WorkspaceDependencies
    consent: ConsentTable
    alert_replies: AlertRepliesTable
    views: InboxViewsTable
    table: Any  # the one table, for routes that read several domains' items (app.handlers.resident_routes)
    reports: ReportDependencies
    report_recorder: ReportRecorder
    thread_dims: ThreadDims
    locate_place: Callable[[str], Place | None]  # the agency's gazetteer (a request staff make)


@cache
def dependencies() -> AgentApiDependencies:
    # Read-once only inside a scope (`_reply_reads_once`); everywhere else it is the plain table.
    table = ReadOnceTable(boto3.resource("dynamodb").Table(settings.table_name))
    replies = SqsReplyQueue(boto3.client("sqs"), settings.outbound_queue_url)

    @cache
    def surveys() -> FeedbackSurveys:
        agency = AgencyName(table, os.environ.get("AGENCY_NAME") or "Switchboard")
        schedule = survey_schedule(lambda: boto3.client("scheduler"))
        return feedback_surveys(table, outbound=replies, agency_name=agency, schedule=schedule)

    return AgentApiDependencies(
        store=InboxTable(table),
        replies=replies,
        media=S3MediaStore(boto3.client("s3"), settings.media_bucket),
        workspace=WorkspaceDependencies(
            store=WorkspaceTable(table), audit=AuditLog(table), on_close=survey_on_close(surveys)
        ),
        consent=ConsentTable(table),
        alert_replies=AlertRepliesTable(table),
        views=InboxViewsTable(table),
        table=table,
        reports=ReportDependencies(ReportTable(table)),
        report_recorder=report_recorder(table),
        thread_dims=ThreadDims(table),
        locate_place=gazetteer_place(ZonesTable(table)),
    )


# Every request passes the gate first (switchboard.access: signed in, not disabled, at least `agent`, and the
# department scope of a route on one thread); /api/me needs no role.
gate = table_gate(
    settings.table_name, "agent", open_paths=frozenset({"/api/me"}), table=lambda: dependencies().table
)


def provide_context(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    agent = agent_from_claims(app.current_event.request_context.authorizer.jwt_claim)
    app.append_context(
        agent=agent,
        workspace=dependencies().workspace,
        consent=dependencies().consent,
        # Transcript exports carry each translated message's other version (public records).
        transcript_annotations=TranscriptTranslations(translation_dependencies().store),
    )
    app.append_context(table=dependencies().table)
    app.append_context(reports=dependencies().reports, locate_place=dependencies().locate_place)
    return next_middleware(app)


# Staff replies, closes, reopens and assignments are counted for the reports once they are done.
count_for_reports = staff_action_counter(
    lambda: dependencies().report_recorder, lambda: dependencies().thread_dims
)
count_group_replies = group_reply_counter(
    lambda: dependencies().report_recorder, lambda: dependencies().thread_dims
)
app.use(middlewares=[provide_context, count_for_reports])
app.include_router(workspace_router)
app.include_router(consent_router)
app.include_router(audience_router)
app.include_router(inbox_router)
app.include_router(routing_router)
app.include_router(triage_router)
app.include_router(translation_router)
app.include_router(callback_router)
app.include_router(zone_router)
app.include_router(service_router)
app.include_router(service_request_router)
app.include_router(thread_request_router)
app.include_router(city_link_router)
app.include_router(reminder_router)
app.include_router(resident_router)
app.include_router(feedback_router)
app.include_router(report_router)


def current_agent() -> Agent:
    agent: Agent = app.context["agent"]
    return agent


def _visibility() -> Visibility:
    """Whose threads the caller may see: the staff gate's answer (switchboard.access)."""
    return Visibility(current_staff(app), app.context.get("supervisor_scope", "all"))


@app.get("/api/me")
def get_me() -> Agent:
    return current_agent()


@app.get("/api/threads")
def get_threads(limit: Annotated[int, Query(ge=1, le=100)] = 25, cursor: Cursor = None) -> ThreadPage:
    """Newest activity first, keeping the threads the caller may open (a scoped caller's page may hold fewer
    than `limit`; the inbox views read their departments' partitions instead)."""
    page = list_threads(dependencies().store, limit, cursor)
    seen = _visibility()
    page.threads = [thread for thread in page.threads if seen.shows(thread.model_dump())]
    return page


@app.get("/api/threads/<thread_id>")
def get_thread(
    thread_id: str, limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: Cursor = None
) -> ThreadDetail:
    detail = open_thread(dependencies().store, thread_id, limit, cursor)
    workspace = dependencies().workspace
    workspace_logic.record_read(workspace, current_agent(), thread_id)
    detail.viewers = workspace_logic.others_viewing(workspace, current_agent(), thread_id)
    return detail


@app.post("/api/threads/<thread_id>/messages")
def post_reply(thread_id: str, reply: ReplyRequest) -> Response[ReplyAccepted]:
    deps = dependencies()
    agent = current_agent()
    # The thread as the gate found it (no request): an owner already there makes the claim below a write
    # whose condition fails, so it is not made.
    before = remembered(deps.table, {"pk": thread_pk(thread_id), "sk": THREAD_META_SK})
    message = reply_to_thread(
        deps.store,
        deps.replies,
        thread_id=thread_id,
        body=reply.body,
        agent=agent,
        confirm_takeover=reply.confirm_takeover,
        opted_out=lambda address: deps.consent.load_state(address).opted_out_all,
    )
    if not (isinstance(before, dict) and before.get("assignee")):
        workspace_logic.claim_on_reply(deps.workspace, agent, thread_id)
    deps.workspace.audit.record(
        workspace_logic.actor_of(agent),
        "thread.reply",
        thread_id=thread_id,
        detail={"message_id": message.message_id, "takeover": str(reply.confirm_takeover).lower()},
    )
    return Response(
        status_code=202, content_type=content_types.APPLICATION_JSON, body=ReplyAccepted(message=message)
    )


# No return annotation on purpose: with one, validation would serialize the bytes body as UTF-8 text.
@app.get("/api/threads/<thread_id>/media/<media_id>")
def get_media(thread_id: str, media_id: str):  # type: ignore[no-untyped-def]
    media = read_media(dependencies().media, thread_id, media_id)
    return Response(
        status_code=200,
        content_type=media.content_type,
        body=media.content,  # bytes: the resolver base64-encodes them for API Gateway
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


# --- replies to alerts, grouped (docs/architecture.md, "Replies to alerts") -------------------------------

AlertId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


@app.get("/api/alert-replies")
def get_alert_reply_groups() -> AlertReplyGroups:
    return alert_replies.list_groups(dependencies().alert_replies, _visibility().scope)


@app.get("/api/alert-replies/<alert_id>")
def get_alert_reply_group(alert_id: AlertId) -> AlertReplyGroupDetail:
    deps = dependencies()
    seen = _visibility()
    return alert_replies.group_detail(
        deps.alert_replies, deps.views, alert_id, seen.shows, seen.scope is not None
    )


@app.post("/api/alert-replies/<alert_id>/answer")
def post_alert_group_answer(alert_id: AlertId, request: GroupAnswerRequest) -> GroupAnswerResult:
    deps = dependencies()
    return alert_replies.answer_group(
        store=deps.alert_replies,
        reader=deps.views,
        conversations=deps.store,
        queue=deps.replies,
        once=deps.workspace.store,
        audit=deps.workspace.audit,
        opted_out=lambda address: deps.consent.load_state(address).opted_out_all,
        agent=current_agent(),
        alert_id=alert_id,
        request=request,
        shows=_visibility().shows,
        replied=count_group_replies,
    )


# One handler per domain error, chosen by type (never by the error's text).
_ERROR_RESPONSES: dict[type[Exception], tuple[int, str]] = {
    ThreadNotFound: (404, "thread not found"),
    AlertGroupNotFound: (404, "no replies to this alert"),
    AnswerIdReused: (409, "this answer id was already used for another answer"),
    MediaNotFound: (404, "media not found"),
    InvalidCursor: (400, "invalid cursor"),
    NotAuthenticated: (401, "not authenticated"),
    Forbidden: (403, "forbidden"),
    OwnedByAnother: (409, "this thread is assigned to someone else; confirm to reply anyway"),
    UnknownDepartment: (400, "unknown department"),
    UnknownStaff: (400, "unknown or disabled staff member"),
    CannedReplyNotFound: (404, "canned reply not found"),
    TransactionConflict: (503, "busy, try again"),
}

answer_errors(app, _ERROR_RESPONSES)


@app.exception_handler(ResidentOptedOut)
def resident_opted_out(error: ResidentOptedOut) -> Response[dict[str, Any]]:
    """409 with a code the page recognises, the reason, and how the resident can receive texts again."""
    return Response(
        status_code=409,
        content_type=content_types.APPLICATION_JSON,
        body={
            "error": "opted_out",
            "message": "This resident has opted out of all texts from the agency (they texted STOP), so "
            "nothing was sent. They can text START to this number to receive texts again.",
            "resume_keyword": "START",
        },
    )


@app.exception_handler(AtCapacity)
def at_capacity(error: AtCapacity) -> Response[dict[str, Any]]:
    """The 409 says how full the agent is, so the page can offer a supervisor the override."""
    return Response(
        status_code=409,
        content_type=content_types.APPLICATION_JSON,
        body={
            "message": "this agent already has as many open conversations as their cap allows",
            "error": "at_capacity",
            "load": error.load,
            "cap": error.cap,
        },
    )


_REPLY_PATH = re.compile(r"^/api/threads/([A-Za-z0-9_-]{1,64})/messages$")


@contextmanager
def _reply_reads_once(event: dict[str, Any]) -> Iterator[None]:
    """An agent's reply reads its thread four times (the gate, the reply, the claim's check, the report
    count) and the thread's report state once: inside one read-once scope (switchboard.read_once) both items
    come in one BatchGetItem up front and each later read is answered from what the request read or wrote.
    Other routes run as before, without a scope."""
    table = dependencies().table
    http = event.get("requestContext", {}).get("http", {})
    match = _REPLY_PATH.match(str(event.get("rawPath") or http.get("path") or ""))
    if match is None or http.get("method") != "POST" or not isinstance(table, ReadOnceTable):
        yield
        return
    thread_id = match.group(1)
    with table.scope():
        table.prefetch(
            [{"pk": thread_pk(thread_id), "sk": THREAD_META_SK}, {"pk": state_pk(thread_id), "sk": STATE_SK}]
        )
        yield


@logger.inject_lambda_context(log_event=False, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
@refuse_bodies_over(AGENT_API_BODY_BYTES)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with _reply_reads_once(event):
        return gate.resolve(app, event, context)
