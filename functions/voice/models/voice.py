"""What one post of Twilio's voice webhook asks, and what the IVR keeps about a call."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qs

CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
# A number we can text or call back; a withheld caller id arrives as "anonymous", "+266696687" or nothing.
REACHABLE = re.compile(r"^\+[1-9][0-9]{7,14}$")
WITHHELD = frozenset({"+266696687", "+86282452253", "+8656696", "+7378742833", "+2562533"})

# The IVR's steps, as the query string of every action URL names them (`?step=menu&n=2&r=1`).
Step = Literal["start", "menu", "slot", "dialed"]
STEPS: tuple[Step, ...] = ("start", "menu", "slot", "dialed")
# What a caller may choose in the menu: 1 text, 2 callback, 3 alerts, 0 a person.
Choice = Literal["text", "callback", "alerts", "person"]
DIGIT_CHOICES: dict[str, Choice] = {"1": "text", "2": "callback", "3": "alerts", "0": "person"}
MAX_TURNS = 40  # a call that posts more steps than this is looping: it is told goodbye


@dataclass(frozen=True)
class VoiceTurn:
    """One post to /twilio/voice: the call, where it is in the IVR (from the action URL's query) and what
    the caller pressed or said."""

    call_sid: str
    caller: str  # From: E.164, never logged
    agency_number: str  # To
    step: Step = "start"
    turn: int = 0  # how many actions the call posted before this one: with call_sid, the replay key
    retry: int = 0  # silent prompts so far at this point of the menu
    digits: str = ""
    speech: str = ""
    dial_status: str = ""

    @property
    def reachable(self) -> bool:
        """Can the caller be texted or called back at the number calling?"""
        return bool(REACHABLE.match(self.caller)) and self.caller not in WITHHELD

    @classmethod
    def from_params(cls, params: dict[str, str], query: str) -> VoiceTurn:
        asked = {name: values[0] for name, values in parse_qs(query).items() if values}
        step = asked.get("step", "start")
        return cls(
            call_sid=params["CallSid"],
            caller=params.get("From", ""),
            agency_number=params.get("To", ""),
            step=step if step in STEPS else "start",  # type: ignore[arg-type]
            turn=_small_number(asked.get("n", "0")),
            retry=_small_number(asked.get("r", "0")),
            digits=params.get("Digits", "").strip()[:8],
            speech=params.get("SpeechResult", "").strip()[:200],
            dial_status=params.get("DialCallStatus", ""),
        )


def _small_number(text: str) -> int:
    return min(int(text), 10_000) if text.isdigit() else 0


@dataclass(frozen=True)
class Pending:
    """What a known caller has waiting, reduced to what may be said to whoever holds the phone: a slot time,
    the last four digits of a request, whether a conversation is open."""

    callback_at: str | None = None  # ISO UTC
    request_digits: str | None = None  # the last four digits of a request in progress
    open_conversation: bool = False


@dataclass(frozen=True)
class CallerProfile:
    """The caller as the IVR knows them from the number calling (their thread, language, zones)."""

    thread_id: str | None = None
    language: str | None = None
    zones: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    opted_out: bool = False


@dataclass
class CallRecord:
    """Item `IVRCALL#{CallSid}` / `META`: the call's language, thread and the path taken so far."""

    call_sid: str
    started_at: str
    language: str | None = None
    thread_id: str | None = None
    path: list[str] = field(default_factory=list)
