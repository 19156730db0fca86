"""The agent API's workspace routes (a Router the agent API includes): departments, colleagues, thread
actions, canned replies and the audit log. Each route names the role it needs (switchboard.roles)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from switchboard.staff_routes import requires

from inbox.handlers.inbox_routes import index_resident_name
from inbox.logic import transcripts, workspace
from inbox.models.conversations import Agent
from inbox.models.errors import InvalidAction, TakeOverNeeded
from inbox.models.workspace import (
    AssignRequest,
    AuditPage,
    CannedReply,
    CannedReplyList,
    CannedReplyRequest,
    DepartmentList,
    LabelsRequest,
    Note,
    NoteList,
    NoteRequest,
    PresenceAnswer,
    PresenceRequest,
    RenderedReply,
    ResidentNameRequest,
    SnoozeRequest,
    StaffDirectory,
    ThreadState,
    TransferRequest,
)

router = Router()

AGENT = [requires("agent")]
SUPERVISOR = [requires("supervisor")]

Day = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Cursor = Annotated[str | None, Query(max_length=1024)]
CannedId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]


def _deps() -> workspace.WorkspaceDependencies:
    deps: workspace.WorkspaceDependencies = router.context["workspace"]
    return deps


def _agent() -> Agent:
    agent: Agent = router.context["agent"]
    return agent


def _annotations() -> transcripts.Annotations:
    """The translations beside messages, when the app provides them (functions/translation)."""
    provided: transcripts.Annotations | None = router.context.get("transcript_annotations")
    return provided or (lambda _thread_id: {})


# --- directory ---------------------------------------------------------------------------------------------


@router.get("/api/departments", middlewares=AGENT)
def get_departments() -> DepartmentList:
    return workspace.list_departments(_deps().store)


@router.get("/api/staff", middlewares=AGENT)
def get_staff_directory() -> StaffDirectory:
    return workspace.staff_directory(_deps().store)


# --- thread actions ----------------------------------------------------------------------------------------


@router.post("/api/threads/<thread_id>/assign", middlewares=AGENT)
def post_assign(thread_id: str, request: AssignRequest) -> ThreadState:
    return workspace.assign(
        _deps(), _agent(), thread_id, request.agent_sub, request.override_reason, request.take_over
    )


@router.post("/api/threads/<thread_id>/transfer", middlewares=AGENT)
def post_transfer(thread_id: str, request: TransferRequest) -> ThreadState:
    return workspace.transfer(_deps(), _agent(), thread_id, request)


@router.get("/api/threads/<thread_id>/notes", middlewares=AGENT)
def get_notes(thread_id: str) -> NoteList:
    return workspace.list_notes(_deps().store, thread_id)


@router.post("/api/threads/<thread_id>/notes", middlewares=AGENT)
def post_note(thread_id: str, request: NoteRequest) -> Response[Note]:
    note = workspace.add_note(_deps(), _agent(), thread_id, request.body)
    return Response(status_code=201, content_type=content_types.APPLICATION_JSON, body=note)


@router.put("/api/threads/<thread_id>/labels", middlewares=AGENT)
def put_labels(thread_id: str, request: LabelsRequest) -> ThreadState:
    return workspace.set_labels(_deps(), _agent(), thread_id, request.labels)


@router.put("/api/threads/<thread_id>/snooze", middlewares=AGENT)
def put_snooze(thread_id: str, request: SnoozeRequest) -> ThreadState:
    return workspace.snooze(_deps(), _agent(), thread_id, request.until)


@router.post("/api/threads/<thread_id>/close", middlewares=AGENT)
def post_close(thread_id: str) -> ThreadState:
    return workspace.close(_deps(), _agent(), thread_id)


@router.post("/api/threads/<thread_id>/reopen", middlewares=AGENT)
def post_reopen(thread_id: str) -> ThreadState:
    return workspace.reopen(_deps(), _agent(), thread_id)


@router.put("/api/threads/<thread_id>/resident-name", middlewares=AGENT)
def put_resident_name(thread_id: str, request: ResidentNameRequest) -> ThreadState:
    state = workspace.set_resident_name(_deps(), _agent(), thread_id, request.name)
    # The name's search postings (docs/architecture.md, "The inbox at crisis scale"); a former name's stay.
    index_resident_name(thread_id, request.name)
    return state


@router.post("/api/threads/<thread_id>/presence", middlewares=AGENT)
def post_presence(thread_id: str, request: PresenceRequest) -> PresenceAnswer:
    return PresenceAnswer(viewers=workspace.heartbeat(_deps(), _agent(), thread_id, request.typing))


# --- canned replies ----------------------------------------------------------------------------------------


@router.get("/api/canned-replies", middlewares=AGENT)
def get_canned_replies() -> CannedReplyList:
    return workspace.list_canned(_deps().store)


@router.put("/api/canned-replies/<canned_id>", middlewares=SUPERVISOR)
def put_canned_reply(canned_id: CannedId, request: CannedReplyRequest) -> CannedReply:
    return workspace.save_canned(_deps(), _agent(), canned_id, request)


@router.delete("/api/canned-replies/<canned_id>", middlewares=SUPERVISOR)
def delete_canned_reply(canned_id: CannedId) -> Response[None]:
    workspace.delete_canned(_deps(), _agent(), canned_id)
    return Response(status_code=204, content_type=content_types.APPLICATION_JSON, body=None)


@router.get("/api/threads/<thread_id>/canned-replies/<canned_id>", middlewares=AGENT)
def get_rendered_canned_reply(thread_id: str, canned_id: CannedId) -> RenderedReply:
    return workspace.render_canned(_deps(), _agent(), thread_id, canned_id)


# --- transcripts (public-records requests) ---------------------------------------------------------------

ExportFormatQuery = Annotated[transcripts.ExportFormat, Query()]


def _download(transcript: transcripts.Transcript) -> Response[str]:
    return Response(
        status_code=200,
        content_type=transcript.content_type,
        body=transcript.body,
        headers={
            "Content-Disposition": f'attachment; filename="{transcript.filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/api/threads/<thread_id>/export", middlewares=SUPERVISOR)
def get_thread_export(thread_id: str, format: ExportFormatQuery = "csv") -> Response[str]:  # noqa: A002
    deps = _deps()
    transcript = transcripts.export_thread(deps.store, thread_id, format, deps.now(), _annotations())
    deps.audit.record(
        workspace.actor_of(_agent()),
        "thread.export",
        thread_id=thread_id,
        detail={"format": format, "rows": str(transcript.rows)},
    )
    return _download(transcript)


@router.get("/api/exports", middlewares=SUPERVISOR)
def get_range_export(
    start: Annotated[str, Query(alias="from", pattern=r"^\d{4}-\d{2}-\d{2}$")],
    end: Annotated[str, Query(alias="to", pattern=r"^\d{4}-\d{2}-\d{2}$")],
    format: ExportFormatQuery = "csv",  # noqa: A002
) -> Response[str]:
    deps = _deps()
    try:
        first_day, last_day = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise InvalidAction("from and to must be dates (YYYY-MM-DD)") from None
    transcript = transcripts.export_range(deps.store, first_day, last_day, format, deps.now(), _annotations())
    deps.audit.record(
        workspace.actor_of(_agent()),
        "transcript.export",
        detail={
            "from": start,
            "to": end,
            "format": format,
            "rows": str(transcript.rows),
            "threads": str(transcript.threads),
        },
    )
    return _download(transcript)


@router.exception_handler(transcripts.ExportTooLarge)
def export_too_large(error: transcripts.ExportTooLarge) -> Response[dict[str, str]]:
    return Response(
        status_code=413, content_type=content_types.APPLICATION_JSON, body={"message": str(error)}
    )


# --- audit -------------------------------------------------------------------------------------------------


@router.get("/api/audit", middlewares=SUPERVISOR)
def get_audit(
    day: Day = None, limit: Annotated[int, Query(ge=1, le=200)] = 100, cursor: Cursor = None
) -> AuditPage:
    day = day or datetime.now(UTC).strftime("%Y-%m-%d")
    return workspace.audit_page(_deps().store, day, limit, cursor)


@router.exception_handler(InvalidAction)
def invalid_action(error: InvalidAction) -> Response[dict[str, str]]:
    # The message is ours (logic.workspace), never resident data.
    return Response(
        status_code=400, content_type=content_types.APPLICATION_JSON, body={"message": str(error)}
    )


@router.exception_handler(TakeOverNeeded)
def take_over_needed(error: TakeOverNeeded) -> Response[dict[str, str]]:
    # The page asks "take it over from …?" and repeats the request with {"take_over": true}.
    return Response(
        status_code=409,
        content_type=content_types.APPLICATION_JSON,
        body={
            "message": "this thread is assigned to someone else; confirm to take it over",
            "error": "take_over_required",
            "assignee": error.assignee,
        },
    )
