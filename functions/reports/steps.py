"""The reports' steps, registered by the app's assembly: one in the inbound pipeline (every stored resident
message, after routing, claimed or not, and on a redelivery: the marker keeps it counted once), one in the
status pipeline (an alert text's delivery status; it never owns a status, so the alert's own step still
applies it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inbox.models.records import SidRef
from inbox.pipeline import CONTINUE, InboundMessage, StepContract, StepResult
from switchboard.clock import utc_now_iso
from switchboard.table_keys import THREAD_META_SK, thread_pk

from reports.logic.recorder import Dims, Handling, ReportRecorder

REPORTS_INBOUND = StepContract(
    name="reports",
    order=780,  # after routing (700): the thread's department and assignee are known
    reads=(
        "thread.department",
        "thread.assignee",
        "thread.channel",
        "routing",
        "store",
        "automatic_handling",
    ),
    writes=("report cells", "report conversation state"),
    skip_when_claimed=False,
)

REPORTS_STATUS = StepContract(
    name="reports_alert_status", order=60, reads=("sid", "status"), writes=("report cells",)
)


class ThreadDims:
    """The thread's department, channel and assignee, read after the earlier steps moved them."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def __call__(self, thread_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(
            Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
            ProjectionExpression="department_id, assignee, channel, resident, closed_at",
        ).get("Item")
        return dict(item) if item else None


class ReportsInboundStep:
    contract = REPORTS_INBOUND

    def __init__(self, recorder: ReportRecorder, thread: Callable[[str], dict[str, Any] | None]) -> None:
        self._recorder = recorder
        self._thread = thread

    def run(self, message: InboundMessage) -> StepResult:
        if message.thread_id is None:
            return CONTINUE
        dims = Dims.of_thread(self._thread(message.thread_id))
        if dims.channel != message.channel:
            dims = Dims(dims.department, message.channel, dims.agent)
        self._recorder.message_received(
            message.thread_id, message.sid, message.received_at, dims, handling_of(message)
        )
        routed_to = message.facts.get("routing")
        if isinstance(routed_to, str) and routed_to:
            agent = Dims(dims.department, dims.channel, routed_to)
            self._recorder.assigned(message.thread_id, f"route#{message.sid}", message.received_at, agent)
        return CONTINUE


def handling_of(message: InboundMessage) -> Handling:
    """How the earlier steps left the message: an answer to an automatic prompt (the store step held it), a
    text automation answered, a conversation automation handles, or one for staff."""
    if getattr(message.facts.get("store"), "held", False):
        return "held"
    settled = message.facts.get("automatic_handling")
    if settled == "automatic":
        return "automatic"
    if settled == "answered":
        return "answered"
    return "staff"


class ReportsAlertStatusStep:
    contract = REPORTS_STATUS

    def __init__(self, recorder: ReportRecorder, now: Callable[[], str] = utc_now_iso) -> None:
        self._recorder = recorder
        self._now = now

    def advance(self, ref: SidRef, status: str, error_code: str | None) -> bool | None:
        if ref.alert_id and ref.address:
            self._recorder.alert_status(ref.alert_id, ref.address, status, error_code, self._now())
        return None  # counted; the alert's own step applies the status
