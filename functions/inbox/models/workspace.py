"""The workspace around a thread, as the agent API takes and returns it: departments, staff, audit."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from inbox.models.conversations import Viewer


class DepartmentRef(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    department_id: str
    name: str


class DepartmentList(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    departments: list[DepartmentRef]


class StaffRef(BaseModel):
    """What an agent may know about a colleague (to transfer or assign to them)."""

    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    sub: str
    email: str
    name: str | None = None
    groups: list[str] = Field(default_factory=list)
    departments: list[str] = Field(default_factory=list)


class StaffDirectory(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    staff: list[StaffRef]


class AuditRecord(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    entry_id: str
    at: str
    actor_sub: str
    actor_email: str | None = None
    action: str
    thread_id: str | None = None
    detail: dict[str, str] = Field(default_factory=dict)


class AuditPage(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    entries: list[AuditRecord]
    next_cursor: str | None


# --- thread actions ---------------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


NoteBody = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Label = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[\w][\w .:/-]{0,31}$")
]
StaffSub = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,64}$")]
DepartmentId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
# A supervisor's reason for giving an agent more open conversations than their cap (kept in the audit log).
OverrideReason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]


class AssignRequest(_Strict):
    """`agent_sub` null unassigns; omitted assigns to the caller."""

    agent_sub: StaffSub | None = "me"
    override_reason: OverrideReason | None = None
    take_over: bool = False  # confirms taking the thread from the colleague who holds it (audited)


class TransferRequest(_Strict):
    department_id: DepartmentId | None = None
    agent_sub: StaffSub | None = None
    note: NoteBody
    override_reason: OverrideReason | None = None
    take_over: bool = False

    @model_validator(mode="after")
    def _somewhere(self) -> TransferRequest:
        if self.department_id is None and self.agent_sub is None:
            raise ValueError("transfer to a department, an agent, or both")
        return self


class NoteRequest(_Strict):
    body: NoteBody


class Note(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    note_id: str
    thread_id: str
    body: str
    author_sub: str
    author_email: str | None = None
    created_at: str
    # call: click-to-call progress (calls area); assignment: a change of owner (logic.workspace.assign);
    # ivr_call: a resident's call to the agency number, one entry per call (voice area)
    kind: Literal["note", "transfer", "call", "assignment", "ivr_call"] = "note"
    # An assignment note names who now owns the thread (None: unassigned), for the timeline.
    assignee: str | None = None
    # ivr_call: the steps the call took, in order (voice.logic.ivr.PATH_WORDS names them)
    path: list[str] | None = None


class NoteList(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    notes: list[Note]


class LabelsRequest(_Strict):
    labels: Annotated[list[Label], Field(max_length=10)]


class SnoozeRequest(_Strict):
    until: str | None  # ISO-8601 instant in the future; null wakes the thread


class CloseRequest(BaseModel):
    """Optional: a close without a body is a close without a reason (other fields are ignored, as before)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    reason: Literal["resolved", "spam"] | None = None


class ResidentNameRequest(_Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)]


class PresenceRequest(_Strict):
    typing: bool = False


class PresenceAnswer(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    viewers: list[Viewer]


CannedId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]


class CannedReplyRequest(_Strict):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=1600)]


class CannedReply(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    canned_id: str
    title: str
    body: str


class CannedReplyList(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    canned_replies: list[CannedReply]


class RenderedReply(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    body: str


class ThreadState(BaseModel):
    """A thread's workspace fields after an action."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    thread_id: str
    status: str = "open"
    assignee: str | None = None
    department_id: str | None = None
    labels: list[str] = Field(default_factory=list)
    snoozed_until: str | None = None
    resident_name: str | None = None
