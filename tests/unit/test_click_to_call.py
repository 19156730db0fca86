"""Click-to-call rules: who may call, which numbers, the TwiML, and what the thread records."""

from __future__ import annotations

from typing import Any

import pytest
from calls.logic.click_to_call import (
    Caller,
    CallSettings,
    NoCallerId,
    NoResidentPhone,
    NoStaffPhone,
    ThreadNotFound,
    bridge_twiml,
    caller_id,
    may_call,
    record_progress,
    resident_number,
    start_call,
)
from calls.models.calls import CallProgress, StaffPhone, describe_progress, status_rank
from channels.logic.call_status import progress_from, reported_at
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from switchboard.audit import AuditLog
from switchboard.roles import Forbidden

AGENT = Caller(sub="agent-1", email="a@example.gov", groups=("agent",))
SUPERVISOR = Caller(sub="sup-1", email="s@example.gov", groups=("supervisor",))
SMS_THREAD = {
    "thread_id": "t1",
    "channel": "sms",
    "resident": {"address": "+15555550123", "channel": "sms"},
    "agency_address": "+15555550100",
    "department_id": "water",
    "assignee": "agent-1",  # the agent's own: theirs to call (switchboard.access)
}
SETTINGS = CallSettings(
    status_callback_url="https://api.example.gov/twilio/calls/status", default_caller_id=""
)


class MemoryCalls:
    def __init__(self, thread: dict[str, Any] | None, profile: dict[str, Any] | None) -> None:
        self.thread = thread
        self.profile = profile
        self.calls: dict[str, dict[str, Any]] = {}
        self.notes: list[dict[str, Any]] = []
        self.seen: set[tuple[str, str, str]] = set()

    def get_thread(self, thread_id: str) -> dict[str, Any] | None:
        return self.thread

    def get_profile(self, sub: str) -> dict[str, Any] | None:
        return self.profile

    def set_phone(self, sub: str, phone: str | None, now: str) -> None:
        self.profile = {**(self.profile or {}), "phone": phone}

    def record_call(self, call: dict[str, Any], note: dict[str, Any]) -> None:
        self.calls[call["call_sid"]] = call
        self.notes.append(note)

    def get_call(self, call_sid: str) -> dict[str, Any] | None:
        return self.calls.get(call_sid)

    def record_progress(
        self, call_sid: str, progress: CallProgress, note: dict[str, Any] | None, now: str
    ) -> bool:
        key = (call_sid, progress.leg, progress.status)
        if key in self.seen:
            return False
        self.seen.add(key)
        if note:
            self.notes.append(note)
        return True


class RecordingDialer:
    def __init__(self) -> None:
        self.rings: list[dict[str, str]] = []

    def ring(self, *, to: str, caller_id: str, twiml: str, status_callback: str) -> str:
        self.rings.append(
            {"to": to, "caller_id": caller_id, "twiml": twiml, "status_callback": status_callback}
        )
        return "CA" + "c7" * 16


class AuditTable:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def put_item(self, Item: dict[str, Any]) -> None:  # noqa: N803 - boto3's name
        self.items.append(Item)


def test_supervisors_call_any_thread_and_agents_only_threads_they_may_work() -> None:
    other = {**SMS_THREAD, "assignee": "someone-else", "department_id": "roads"}
    assert may_call(SUPERVISOR, other, None).allowed
    assert not may_call(AGENT, other, {"departments": ["water"]}).allowed
    assert may_call(AGENT, other, {"departments": ["roads"]}).allowed
    assert may_call(AGENT, {**SMS_THREAD, "assignee": "agent-1"}, None).allowed
    # Not routed to a department yet: the supervisors' to route (switchboard.access), not every agent's.
    unrouted = {k: v for k, v in SMS_THREAD.items() if k not in ("department_id", "assignee")}
    assert not may_call(AGENT, unrouted, {"departments": ["water"]}).allowed
    assert may_call(AGENT, {**SMS_THREAD, "assignee": None}, {"departments": ["water"]}).allowed
    assert not may_call(SUPERVISOR, other, {"enabled": False}).allowed


def test_the_number_to_dial_comes_from_the_thread_never_from_the_page() -> None:
    assert resident_number(SMS_THREAD) == "+15555550123"
    whatsapp = {**SMS_THREAD, "resident": {"address": "whatsapp:+15555550124", "channel": "whatsapp"}}
    assert resident_number(whatsapp) == "+15555550124"
    chat = {"channel": "webchat", "resident": {"address": "webchat:abc", "channel": "webchat"}}
    with pytest.raises(NoResidentPhone):
        resident_number(chat)
    assert resident_number({**chat, "text_to": "+15555550125"}) == "+15555550125"


def test_the_resident_sees_the_agency_number_the_thread_came_in_on_or_the_default() -> None:
    assert caller_id(SMS_THREAD, "+15555550199") == "+15555550100"
    assert caller_id({**SMS_THREAD, "agency_address": "whatsapp:+15555550101"}, "") == "+15555550101"
    assert caller_id({**SMS_THREAD, "agency_address": None}, "+15555550199") == "+15555550199"
    with pytest.raises(NoCallerId):
        caller_id({**SMS_THREAD, "agency_address": None}, "")


def test_the_twiml_dials_the_resident_with_the_agency_caller_id_and_reports_progress() -> None:
    twiml = bridge_twiml("+15555550123", "+15555550100", SETTINGS.status_callback_url)
    assert '<Dial answerOnBridge="true" callerId="+15555550100" timeout="30">' in twiml
    assert 'statusCallback="https://api.example.gov/twilio/calls/status"' in twiml
    assert 'statusCallbackEvent="initiated ringing answered completed"' in twiml
    assert ">+15555550123</Number>" in twiml


def test_a_call_rings_the_staff_phone_first_records_the_call_in_the_thread_and_is_audited() -> None:
    store = MemoryCalls(SMS_THREAD, {"phone": "+15555550177", "departments": []})
    dialer, audit = RecordingDialer(), AuditTable()
    started = start_call(
        store, dialer, AuditLog(audit), SETTINGS, AGENT, "t1", now=lambda: "2026-11-24T10:20:00Z"
    )
    assert started.call_sid == "CA" + "c7" * 16
    assert dialer.rings[0]["to"] == "+15555550177"
    assert dialer.rings[0]["caller_id"] == "+15555550100"
    assert ">+15555550123</Number>" in dialer.rings[0]["twiml"]
    assert store.notes[0]["kind"] == "call" and "+1555" not in store.notes[0]["body"]
    assert audit.items[0]["action"] == "thread.call"
    assert audit.items[0]["detail"] == {"call_sid": started.call_sid}


def test_without_a_staff_phone_nothing_is_dialled() -> None:
    store = MemoryCalls(SMS_THREAD, {"departments": []})
    dialer = RecordingDialer()
    with pytest.raises(NoStaffPhone):
        start_call(store, dialer, AuditLog(AuditTable()), SETTINGS, AGENT, "t1")
    assert dialer.rings == []


def test_refused_calls_dial_nobody() -> None:
    dialer = RecordingDialer()
    taken = MemoryCalls({**SMS_THREAD, "assignee": "other"}, {"phone": "+15555550177", "departments": []})
    with pytest.raises(Forbidden):
        start_call(taken, dialer, AuditLog(AuditTable()), SETTINGS, AGENT, "t1")
    disabled = MemoryCalls(SMS_THREAD, {"phone": "+15555550177", "enabled": False})
    with pytest.raises(Forbidden):
        start_call(disabled, dialer, AuditLog(AuditTable()), SETTINGS, AGENT, "t1")
    with pytest.raises(ThreadNotFound):
        start_call(MemoryCalls(None, None), dialer, AuditLog(AuditTable()), SETTINGS, AGENT, "t1")
    assert dialer.rings == []


def test_progress_is_written_once_per_leg_and_status() -> None:
    store = MemoryCalls(SMS_THREAD, {"phone": "+15555550177"})
    sid = start_call(store, RecordingDialer(), AuditLog(AuditTable()), SETTINGS, AGENT, "t1").call_sid
    answered = CallProgress(call_sid=sid, status="in-progress")
    resident = CallProgress(call_sid="CA" + "e1" * 16, parent_call_sid=sid, status="no-answer")
    assert record_progress(store, answered, "2026-11-24T10:20:03Z")
    assert not record_progress(store, answered, "2026-11-24T10:20:03Z")
    assert record_progress(store, resident, "2026-11-24T10:20:40Z")
    assert [n["body"] for n in store.notes[1:]] == [
        "Call: staff answered; dialling the resident.",
        "Call: the resident did not answer.",
    ]
    assert not record_progress(store, CallProgress(call_sid="CA" + "00" * 16, status="ringing"), "x")


def test_descriptions_say_how_long_a_call_lasted() -> None:
    done = CallProgress(call_sid="CA" + "c7" * 16, status="completed", duration_seconds=125)
    assert describe_progress(done) == "Call: call ended after 2 min 05 s."
    assert describe_progress(CallProgress(call_sid="x", status="queued")) is None


def test_status_only_moves_forward_and_every_end_ranks_last() -> None:
    assert (
        status_rank("initiated")
        < status_rank("ringing")
        < status_rank("in-progress")
        < status_rank("completed")
    )
    assert status_rank("busy") == status_rank("completed") == status_rank("no-answer")


@pytest.mark.parametrize("raw", ["+1 (555) 555-0123", "+15555550123", " +1-555-555-0123 "])
def test_staff_phones_are_kept_in_e164(raw: str) -> None:
    assert StaffPhone(phone=raw).phone == "+15555550123"


@pytest.mark.parametrize(
    "raw", ["5555550123", "+0555550123", "+1555", "tel:+15555550123", "+1555555012345678"]
)
def test_phones_that_are_not_e164_are_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(ValidationError, match="E.164"):
        StaffPhone(phone=raw)


def test_an_empty_phone_removes_it() -> None:
    assert StaffPhone(phone="").phone is None
    assert StaffPhone.model_validate({}).phone is None


@given(st.text(max_size=30))
def test_any_accepted_phone_is_strict_e164(raw: str) -> None:
    try:
        phone = StaffPhone(phone=raw).phone
    except ValidationError:
        return
    assert phone is None or (phone.startswith("+") and phone[1:].isdigit() and 8 <= len(phone) <= 16)


def test_call_callbacks_are_read_for_both_legs() -> None:
    staff = progress_from({"CallSid": "CA" + "c7" * 16, "CallStatus": "completed", "CallDuration": "42"})
    assert staff is not None and staff.leg == "staff" and staff.duration_seconds == 42
    child = progress_from(
        {"CallSid": "CA" + "e1" * 16, "CallStatus": "ringing", "ParentCallSid": "CA" + "c7" * 16}
    )
    assert child is not None and child.leg == "resident" and child.record_sid == "CA" + "c7" * 16
    assert (
        progress_from({"CallSid": "CA" + "e1" * 16, "CallStatus": "ringing", "ParentCallSid": "bogus"})
        is None
    )
    assert reported_at({"Timestamp": "Tue, 24 Nov 2026 10:20:03 +0000"}, "x") == "2026-11-24T10:20:03.000000Z"
    assert reported_at({"Timestamp": "not a date"}, "fallback") == "fallback"
