"""Voice calls on the local Twilio-compatible endpoint: what `client.calls.create(...)` does in Twilio.

The call rings its `To` number; unless the fault plan says that number is busy or does not answer, it is
answered and its TwiML runs: a <Dial><Number> becomes a child call (with `ParentCallSid`) that rings and is
answered the same way. Each leg reports its progress, signed, to its status callback for the events asked for
(`initiated`, `ringing`, `answered` (= `in-progress`), `completed`), as Twilio's call progress events do.
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
        if self._ring(call) and (dial := _dialled(call.get("twiml"))):
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
        self._report(call, status, CallDuration=str(duration))

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
