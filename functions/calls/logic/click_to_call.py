"""Click-to-call: Twilio rings the staff member's own phone, then <Dial>s the resident from the agency number.

The agent never sees the resident's number and the resident sees the agency's number, not the agent's. Every
step lands in the thread as a staff-only event (a note of kind `call`), and starting a call is audited.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from switchboard.access import Decision, StaffMember, ThreadScope, authorize
from switchboard.audit import Actor, AuditLog
from switchboard.clock import utc_now_iso
from switchboard.observability import logger
from switchboard.phone import is_e164, parse_address
from switchboard.roles import Forbidden
from twilio.twiml.voice_response import Dial, VoiceResponse

from calls.models.calls import CallProgress, CallStarted, describe_progress

STATUS_EVENTS = ("initiated", "ringing", "answered", "completed")
RING_TIMEOUT_SECONDS = 30
GREETING = "Connecting you to the resident. The resident sees the agency's number."


class ThreadNotFound(LookupError):
    pass


class NoStaffPhone(LookupError):
    """The caller has no phone number on their profile: nothing to ring."""


class NoResidentPhone(LookupError):
    """The thread has no number to call (a web chat that never continued by text)."""


class NoCallerId(LookupError):
    """No agency number to show the resident (the stack sends through a Messaging Service only)."""


class DialFailed(RuntimeError):
    """Twilio refused to place the call (its error code is logged, never the numbers)."""


class CallStore(Protocol):
    def get_thread(self, thread_id: str) -> dict[str, Any] | None: ...

    def get_profile(self, sub: str) -> dict[str, Any] | None: ...

    def set_phone(self, sub: str, phone: str | None, now: str) -> None: ...

    def record_call(self, call: dict[str, Any], note: dict[str, Any]) -> None: ...

    def get_call(self, call_sid: str) -> dict[str, Any] | None: ...

    def record_progress(
        self, call_sid: str, progress: CallProgress, note: dict[str, Any] | None, now: str
    ) -> bool: ...


class Dialer(Protocol):
    def ring(self, *, to: str, caller_id: str, twiml: str, status_callback: str) -> str:
        """Places the call; returns its CallSid."""
        ...


@dataclass(frozen=True)
class Caller:
    sub: str
    email: str | None
    groups: tuple[str, ...]


@dataclass(frozen=True)
class CallSettings:
    status_callback_url: str  # PUBLIC_API_URL + /twilio/calls/status
    default_caller_id: str  # TWILIO_FROM_NUMBER (may be empty)


def may_call(caller: Caller, thread: dict[str, Any], profile: dict[str, Any] | None) -> Decision:
    """Whoever may work the thread may call its resident: the staff routes' one rule (switchboard.access),
    asked again here with the profile just read (the gate has asked it already, before the request ran)."""
    member = StaffMember(
        sub=caller.sub,
        groups=caller.groups,
        departments=frozenset(str(d) for d in (profile or {}).get("departments") or []),
        disabled=profile is not None and profile.get("enabled") is False,
    )
    where = ThreadScope(thread.get("department_id") or None, thread.get("assignee") or None)
    return authorize(member, "agent", where)


def resident_number(thread: dict[str, Any]) -> str:
    resident = thread.get("resident") or {}
    channel = resident.get("channel") or thread.get("channel")
    if channel == "webchat":
        number = str(thread.get("text_to") or "")
    else:
        number = parse_address(str(resident.get("address") or "")).number if resident.get("address") else ""
    if not is_e164(number):
        raise NoResidentPhone("no phone number on this thread")
    return number


def caller_id(thread: dict[str, Any], default: str) -> str:
    agency = str(thread.get("agency_address") or "")
    number = parse_address(agency).number if agency else ""
    if thread.get("channel") == "webchat" or not is_e164(number):
        number = default
    if not is_e164(number):
        raise NoCallerId("no agency number to call from")
    return number


def bridge_twiml(resident: str, agency_number: str, status_callback: str) -> str:
    """What Twilio does once the staff phone answers: say who is being called, then dial the resident."""
    response = VoiceResponse()
    response.say(GREETING)
    dial = Dial(caller_id=agency_number, answer_on_bridge=True, timeout=RING_TIMEOUT_SECONDS)
    dial.number(
        resident,
        status_callback=status_callback,
        status_callback_event=" ".join(STATUS_EVENTS),
        status_callback_method="POST",
    )
    response.append(dial)
    return str(response)


def call_note(
    thread_id: str, body: str, agent_sub: str, agent_email: str | None, at: str, note_id: str
) -> dict[str, Any]:
    note = {
        "note_id": note_id,
        "thread_id": thread_id,
        "body": body,
        "author_sub": agent_sub,
        "created_at": at,
        "kind": "call",
    }
    if agent_email:
        note["author_email"] = agent_email
    return note


def start_call(
    store: CallStore,
    dialer: Dialer,
    audit: AuditLog,
    settings: CallSettings,
    caller: Caller,
    thread_id: str,
    now: Callable[[], str] = utc_now_iso,
) -> CallStarted:
    thread = store.get_thread(thread_id)
    if thread is None:
        raise ThreadNotFound(thread_id)
    profile = store.get_profile(caller.sub)
    decision = may_call(caller, thread, profile)
    if not decision.allowed:
        raise Forbidden(decision.reason)
    staff_phone = str((profile or {}).get("phone") or "")
    if not is_e164(staff_phone):
        raise NoStaffPhone(caller.sub)
    resident = resident_number(thread)
    agency = caller_id(thread, settings.default_caller_id)
    twiml = bridge_twiml(resident, agency, settings.status_callback_url)
    sid = dialer.ring(
        to=staff_phone, caller_id=agency, twiml=twiml, status_callback=settings.status_callback_url
    )
    at = now()
    store.record_call(
        {
            "call_sid": sid,
            "thread_id": thread_id,
            "agent_sub": caller.sub,
            "agent_email": caller.email,
            "status": "queued",
            "started_at": at,
            "updated_at": at,
        },
        call_note(
            thread_id,
            "Call: started from the agent page; ringing the staff phone first.",
            caller.sub,
            caller.email,
            at,
            _event_id(sid, "staff", "started"),
        ),
    )
    audit.record(
        Actor(caller.sub, caller.email), "thread.call", thread_id=thread_id, detail={"call_sid": sid}
    )
    logger.info("Click-to-call placed", extra={"thread_id": thread_id, "call_sid": sid})
    return CallStarted(call_sid=sid, thread_id=thread_id, status="queued")


def save_staff_phone(
    store: CallStore, audit: AuditLog, caller: Caller, phone: str | None, now: Callable[[], str] = utc_now_iso
) -> None:
    store.set_phone(caller.sub, phone, now())
    audit.record(
        Actor(caller.sub, caller.email), "staff.phone", detail={"phone_set": "yes" if phone else "no"}
    )


def record_progress(
    store: CallStore, progress: CallProgress, at: str, now: Callable[[], str] = utc_now_iso
) -> bool:
    """Writes one status callback into the thread, once (Twilio repeats them). False if the call is not ours
    or the report was already recorded."""
    call = store.get_call(progress.record_sid)
    if call is None:
        logger.warning("Call status for an unknown call", extra={"call_sid": progress.call_sid})
        return False
    words = describe_progress(progress)
    note = (
        call_note(
            str(call["thread_id"]),
            words,
            str(call["agent_sub"]),
            call.get("agent_email"),
            at,
            _event_id(progress.record_sid, progress.leg, progress.status),
        )
        if words
        else None
    )
    recorded = store.record_progress(progress.record_sid, progress, note, now())
    logger.info(
        "Call progress",
        extra={
            "call_sid": progress.record_sid,
            "leg": progress.leg,
            "status": progress.status,
            "duplicate": not recorded,
        },
    )
    return recorded


def _event_id(call_sid: str, leg: str, status: str) -> str:
    return hashlib.sha256(f"{call_sid}:{leg}:{status}".encode()).hexdigest()[:32]
