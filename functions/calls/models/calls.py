"""Click-to-call: the staff member's own phone, a call's record and the progress Twilio reports.

A call is two legs: Twilio rings the staff member's phone (the parent call, ours); when they answer, the TwiML
<Dial>s the resident (the child leg, with `ParentCallSid`). Both legs report to `/twilio/calls/status`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from switchboard.phone import normalize_phone

CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")

Leg = Literal["staff", "resident"]

# Twilio's CallStatus values, in the order a call moves through them; the last four all end it.
CALL_STATUSES = (
    "queued",
    "initiated",
    "ringing",
    "in-progress",
    "completed",
    "busy",
    "no-answer",
    "failed",
    "canceled",
)
FINAL_STATUSES = frozenset(("completed", "busy", "no-answer", "failed", "canceled"))


def status_rank(status: str) -> int:
    """Status only moves forward (callbacks repeat and arrive out of order); end statuses rank last."""
    if status in FINAL_STATUSES:
        return len(CALL_STATUSES)
    return CALL_STATUSES.index(status) if status in CALL_STATUSES else -1


def _e164(value: str) -> str:
    """Written with its country code (the number rung may be abroad), valid by switchboard.phone."""
    refusal = "must be a valid phone number in E.164 form, like +12025550143 (+, country code, number)"
    if not value.strip().startswith("+"):
        raise ValueError(refusal)
    try:
        return normalize_phone(value)
    except ValueError:
        raise ValueError(refusal) from None


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


PhoneNumber = Annotated[str, AfterValidator(_e164)]


class StaffPhone(BaseModel):
    """`PUT /api/calls/phone`: the number rung when this staff member presses Call (null: none)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    phone: Annotated[PhoneNumber | None, BeforeValidator(_blank_to_none)] = None


class StaffPhoneView(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    phone: str | None


class CallStarted(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    call_sid: str
    thread_id: str
    status: str


class CallProgress(BaseModel):
    """One status callback, reduced to what the thread records (no phone numbers)."""

    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    call_sid: str
    parent_call_sid: str | None = None
    status: str
    duration_seconds: int | None = None

    @property
    def leg(self) -> Leg:
        return "resident" if self.parent_call_sid else "staff"

    @property
    def record_sid(self) -> str:
        """The call a progress report belongs to: the staff leg's sid (the one our item is keyed by)."""
        return self.parent_call_sid or self.call_sid


_WORDS: dict[tuple[Leg, str], str] = {
    ("staff", "initiated"): "ringing the staff phone",
    ("staff", "ringing"): "the staff phone is ringing",
    ("staff", "in-progress"): "staff answered; dialling the resident",
    ("staff", "busy"): "the staff phone was busy",
    ("staff", "no-answer"): "the staff phone did not answer",
    ("staff", "failed"): "the staff phone could not be reached",
    ("staff", "canceled"): "cancelled before the staff phone answered",
    ("staff", "completed"): "call ended",
    ("resident", "initiated"): "dialling the resident",
    ("resident", "ringing"): "the resident's phone is ringing",
    ("resident", "in-progress"): "the resident answered",
    ("resident", "busy"): "the resident's line was busy",
    ("resident", "no-answer"): "the resident did not answer",
    ("resident", "failed"): "the resident's number could not be reached",
    ("resident", "canceled"): "the call to the resident was cancelled",
    ("resident", "completed"): "the resident hung up or the call ended",
}


def describe_progress(progress: CallProgress) -> str | None:
    """The line written into the thread for a progress report; None for statuses not worth a line."""
    words = _WORDS.get((progress.leg, progress.status))
    if words is None:
        return None
    if progress.status == "completed" and progress.duration_seconds is not None:
        minutes, seconds = divmod(progress.duration_seconds, 60)
        words += f" after {minutes} min {seconds:02d} s" if minutes else f" after {seconds} s"
    return f"Call: {words}."
