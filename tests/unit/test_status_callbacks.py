"""Status callbacks with an in-memory table."""

from __future__ import annotations

from inbox.logic.status_callbacks import StatusOutcome, apply_status_callback
from inbox.models.queue_messages import StatusCallback
from inbox.models.records import SidRef

from tests.unit.fakes import InMemoryInbox

SID = "SM" + "d4" * 16


def inbox_with_sent_reply() -> InMemoryInbox:
    inbox = InMemoryInbox()
    inbox.sids[SID] = SidRef("t1", "MSG#a#m1", "out")
    inbox.messages[("t1", "MSG#a#m1")] = {"status": "queued", "status_rank": 1}
    return inbox


def test_forward_status_is_applied_and_a_stale_one_is_not() -> None:
    inbox = inbox_with_sent_reply()

    assert apply_status_callback(StatusCallback(sid=SID, status="delivered"), inbox) is StatusOutcome.APPLIED
    assert apply_status_callback(StatusCallback(sid=SID, status="sent"), inbox) is StatusOutcome.STALE
    assert inbox.messages[("t1", "MSG#a#m1")]["status"] == "delivered"


def test_error_code_is_kept_only_for_failures() -> None:
    inbox = inbox_with_sent_reply()

    apply_status_callback(StatusCallback(sid=SID, status="sent", error_code="30003"), inbox)
    assert "error_code" not in inbox.messages[("t1", "MSG#a#m1")]
    apply_status_callback(StatusCallback(sid=SID, status="undelivered", error_code="30003"), inbox)
    assert inbox.messages[("t1", "MSG#a#m1")]["error_code"] == "30003"


def test_unknown_sid_inbound_sid_and_untracked_status_change_nothing() -> None:
    inbox = inbox_with_sent_reply()
    inbox.sids["SMin"] = SidRef("t1", "MSG#b#m2", "in")

    assert (
        apply_status_callback(StatusCallback(sid="SMzz", status="sent"), inbox) is StatusOutcome.UNKNOWN_SID
    )
    assert (
        apply_status_callback(StatusCallback(sid="SMin", status="read"), inbox) is StatusOutcome.INBOUND_SID
    )
    assert (
        apply_status_callback(StatusCallback(sid=SID, status="scheduled"), inbox)
        is StatusOutcome.UNTRACKED_STATUS
    )
    assert inbox.messages[("t1", "MSG#a#m1")]["status"] == "queued"
