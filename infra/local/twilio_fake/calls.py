"""Voice calls on the local Twilio-compatible endpoint: what `client.calls.create(...)` does in Twilio.

The call rings its `To` number; unless the fault plan says that number is busy or does not answer, it is
answered and its TwiML runs: a <Dial><Number> becomes a child call (with `ParentCallSid`) that rings and is
answered the same way. Each leg reports its progress, signed, to its status callback for the events asked for
(`initiated`, `ringing`, `answered` (= `in-progress`), `completed`), as Twilio's call progress events do.

An answered call's TwiML is played (issue 22, voice alerts): every <Say> is recorded in the call's `said` as
(language, text); a <Gather> with an `action` gets the keys planned for that number (`keys`, set through
`/__control/faults` `{"call_keys": {number: ["1"]}}`): they are posted, signed, to the action and the TwiML it
answers is played in turn. `MachineDetection` is kept as asked: the answered call's final callback then
carries `AnsweredBy`, `human` unless the fault plan says a machine answers that number (`{"call_answered_by":
{number: "machine_end_beep"}}`) -- how a voice alert's outcome reaches its figures.
"""

from __future__ import annotations

import secrets
import threading
import time
import xml.etree.ElementTree as ET
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.local.twilio_fake.server import LocalTwilio

API = "/2010-04-01/Accounts/"
TALK_SECONDS = 42  # how long an answered call lasts, as reported in CallDuration
MAX_GATHER_ROUNDS = 5  # keys answered per call at most (a TwiML loop must not spin forever)


def _call_sid() -> str:
    return "CA" + secrets.token_hex(16)


_EVENT_OF = {"initiated": "initiated", "ringing": "ringing", "in-progress": "answered"}


def _dialled(twiml: str | None) -> tuple[str, str | None, list[str], str | None] | None:
    """(number, status callback, events, callerId) of the first <Dial><Number> in the TwiML, if any."""
    if not twiml:
        return None
    try:
        root = ET.fromstring(twiml)  # noqa: S314 - TwiML our own stack wrote, on 127.0.0.1
    except ET.ParseError:
        return None
    dial = root.find("Dial")
    number = dial.find("Number") if dial is not None else None
    dialled = (number.text or "").strip() if number is not None else ""
    if dial is None or number is None or not dialled:
        return None
    events = (number.get("statusCallbackEvent") or "completed").split()
    return dialled, number.get("statusCallback"), events, dial.get("callerId")


class LocalCalls:
    def __init__(self, twilio: LocalTwilio, step_s: float = 0.15) -> None:
        self.twilio = twilio
        self.step_s = step_s
        self.keys: dict[str, list[str]] = {}  # by number: the keys its resident will press, in order
        self.answered_by: dict[str, str] = {}  # by number: Twilio's AnsweredBy when not a person

    def resource(self, call: dict[str, Any]) -> dict[str, Any]:
        account = self.twilio.account_sid
        date = formatdate(call["created"], usegmt=True)
        return {
            "sid": call["sid"],
            "account_sid": account,
            "parent_call_sid": call.get("parent_call_sid"),
            "to": call["to"],
            "from": call["from"],
            "status": call["status"],
            "direction": "outbound-dial" if call.get("parent_call_sid") else "outbound-api",
            "duration": str(call["duration"]) if call.get("duration") is not None else None,
            "date_created": date,
            "date_updated": date,
            "api_version": "2010-04-01",
            "uri": f"{API}{account}/Calls/{call['sid']}.json",
        }

    def create(self, request: BaseHTTPRequestHandler, form: dict[str, str], events: list[str]) -> None:
        to, from_ = form.get("To", ""), form.get("From", "")
        if not to or not from_ or not (form.get("Twiml") or form.get("Url")):
            return self.twilio._json(
                request,
                400,
                {"code": 21205, "message": "To, From and Twiml or Url are required", "status": 400},
            )
        call = {
            "sid": _call_sid(),
            "to": to,
            "from": from_,
            "status": "queued",
            "twiml": form.get("Twiml"),
            "url": form.get("Url"),
            "status_callback": form.get("StatusCallback"),
            "events": events or ["completed"],
            "account_sid": self.twilio.account_sid,
            "created": time.time(),
            "machine_detection": form.get("MachineDetection"),
            "said": [],
            "pressed": [],
        }
        with self.twilio.lock:
            self.twilio.calls.append(call)
        self.twilio._json(request, 201, self.resource(call))
        threading.Thread(target=self._run, args=(call,), daemon=True, name="local-call").start()

    def fetch(self, request: BaseHTTPRequestHandler, sid: str) -> None:
        with self.twilio.lock:
            call = next((c for c in self.twilio.calls if c["sid"] == sid), None)
        if call is None:
            return self.twilio._json(request, 404, {"code": 20404, "message": "Not found", "status": 404})
        self.twilio._json(request, 200, self.resource(call))

    # --- the phone network's part -----------------------------------------------------------------

    def _run(self, call: dict[str, Any]) -> None:
        answered = self._ring(call)
        if answered and not _dialled(call.get("twiml")):
            self._play(call, call.get("twiml"))
        if answered and (dial := _dialled(call.get("twiml"))):
            number, callback, events, caller_id = dial
            child = {
                "sid": _call_sid(),
                "parent_call_sid": call["sid"],
                "to": number,
                "from": caller_id or call["from"],
                "status": "queued",
                "status_callback": callback,
                "events": events,
                "account_sid": self.twilio.account_sid,
                "created": time.time(),
            }
            with self.twilio.lock:
                self.twilio.calls.append(child)
            if self._ring(child):
                self._end(child, "completed", TALK_SECONDS)
        if call["status"] == "in-progress":
            self._end(call, "completed", TALK_SECONDS)

    def _play(self, call: dict[str, Any], twiml: str | None) -> None:
        """Say what the TwiML says; answer a Gather with the next planned key, then play what comes back."""
        for _ in range(MAX_GATHER_ROUNDS):
            try:
                root = ET.fromstring(twiml or "<Response/>")  # noqa: S314 - our own stack's TwiML, on 127.0.0.1
            except ET.ParseError:
                return
            for say in root.iter("Say"):
                call["said"].append([say.get("language") or "en-US", (say.text or "").strip()])
            gather = root.find("Gather")
            with self.twilio.lock:
                planned = self.keys.get(call["to"]) or []
                key = planned.pop(0) if planned and gather is not None and gather.get("action") else None
            if key is None or gather is None:
                return
            call["pressed"].append(key)
            params = {
                "AccountSid": self.twilio.account_sid,
                "CallSid": call["sid"],
                "From": call["from"],
                "To": call["to"],
                "CallStatus": "in-progress",
                "Direction": "outbound-api",
                "Digits": key,
                "FinishedOnKey": "",
                "ApiVersion": "2010-04-01",
            }
            twiml = self.twilio.post_signed_for_reply(str(gather.get("action")), params)[1]

    def _ring(self, call: dict[str, Any]) -> bool:
        """initiated, ringing, then answered (True) or the planned busy/no-answer/failed (False)."""
        for status in ("initiated", "ringing"):
            self._report(call, status)
        outcome = self.twilio.call_outcomes.get(call["to"], "in-progress")
        if outcome != "in-progress":
            self._end(call, outcome, 0)
            return False
        self._report(call, "in-progress")
        return True

    def _end(self, call: dict[str, Any], status: str, duration: int) -> None:
        call["duration"] = duration
        extra = {"CallDuration": str(duration)}
        if call.get("machine_detection") and status == "completed":
            with self.twilio.lock:
                extra["AnsweredBy"] = self.answered_by.get(call["to"], "human")
        self._report(call, status, **extra)

    def _report(self, call: dict[str, Any], status: str, **extra: str) -> None:
        time.sleep(self.step_s)
        with self.twilio.lock:
            call["status"] = status
            call["sequence"] = call.get("sequence", -1) + 1
        event = _EVENT_OF.get(status, "completed")
        if not call.get("status_callback") or event not in call["events"]:
            return
        params = {
            "AccountSid": self.twilio.account_sid,
            "ApiVersion": "2010-04-01",
            "CallSid": call["sid"],
            "CallStatus": status,
            "Direction": "outbound-dial" if call.get("parent_call_sid") else "outbound-api",
            "From": call["from"],
            "To": call["to"],
            "CallbackSource": "call-progress-events",
            "SequenceNumber": str(call["sequence"]),
            "Timestamp": formatdate(time.time(), usegmt=True),
            **extra,
        }
        if call.get("parent_call_sid"):
            params["ParentCallSid"] = call["parent_call_sid"]
        self.twilio.post_signed(call["status_callback"], params)
