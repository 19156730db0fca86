"""Inbound calls on the local Twilio-compatible endpoint: a resident calls the agency number.

Twilio posts the call to the number's voice URL (the stack's `/twilio/voice`), signed, and follows the TwiML
it gets back: <Say> is recorded as what the caller heard, <Pause> is skipped, <Redirect> posts again, <Gather>
waits for the caller (digits or speech text supplied by a test or the simulator page; silence posts an empty
result, as `actionOnEmptyResult` asks), <Dial> rings the number (answered, unless the fault plan says that
number is busy or does not answer) and posts its action with `DialCallStatus`, <Hangup> or the end of the
document ends the call. Every post is signed over the URL it goes to, query string included, as Twilio does.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.local.twilio_fake.server import LocalTwilio

MAX_FOLLOWS = 30  # redirects and dial actions followed in a row before the call is cut (a loop)


@dataclass
class InboundCall:
    sid: str
    from_: str
    to: str
    heard: list[dict[str, str]] = field(default_factory=list)  # {"text", "language"} in order
    pressed: list[str] = field(default_factory=list)  # what the caller gave each prompt ("" = silence)
    dialled: list[str] = field(default_factory=list)
    waiting_url: str | None = None  # the <Gather> action the call waits on
    ended: bool = False
    webhook_statuses: list[int] = field(default_factory=list)
    created: float = field(default_factory=time.time)

    def view(self) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "from": self.from_,
            "to": self.to,
            "heard": list(self.heard),
            "pressed": list(self.pressed),
            "dialled": list(self.dialled),
            "waiting": self.waiting_url is not None and not self.ended,
            "ended": self.ended,
            "webhook_statuses": list(self.webhook_statuses),
        }


class LocalInboundCalls:
    def __init__(self, twilio: LocalTwilio, voice_url: str) -> None:
        self.twilio = twilio
        self.voice_url = voice_url
        self.calls: dict[str, InboundCall] = {}
        self.lock = threading.Lock()

    # --- what a caller does ------------------------------------------------------------------------------

    def place(self, from_: str, to: str | None = None) -> InboundCall:
        """The resident dials the agency: the first post, then the TwiML followed up to the first prompt."""
        call = InboundCall("CA" + secrets.token_hex(16), from_, to or self.twilio.agency_number)
        with self.lock:
            self.calls[call.sid] = call
        self._follow(call, self._post(call, self.voice_url, {}))
        return call

    def press(self, call_sid: str, digits: str = "", speech: str = "") -> InboundCall:
        """Answer the prompt the call waits on: keys, words (as Twilio's speech recognition would give
        them), or neither (silence until the gather's timeout)."""
        call = self.calls[call_sid]
        url = call.waiting_url
        if url is None or call.ended:
            raise ValueError("the call is not waiting for the caller")
        call.waiting_url = None
        call.pressed.append(digits or speech)
        fields = {}
        if digits:
            fields["Digits"] = digits
        if speech:
            fields.update({"SpeechResult": speech, "Confidence": "0.92"})
        self._follow(call, self._post(call, url, fields))
        return call

    def hang_up(self, call_sid: str) -> InboundCall:
        call = self.calls[call_sid]
        call.ended, call.waiting_url = True, None
        return call

    def call_of(self, from_: str) -> list[InboundCall]:
        with self.lock:
            return sorted((c for c in self.calls.values() if c.from_ == from_), key=lambda c: c.created)

    # --- TwiML ---------------------------------------------------------------------------------------------

    def _post(self, call: InboundCall, url: str, fields: dict[str, str]) -> str | None:
        params = {
            "CallSid": call.sid,
            "AccountSid": self.twilio.account_sid,
            "From": call.from_,
            "To": call.to,
            "CallStatus": "in-progress",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            "Caller": call.from_,
            "Called": call.to,
            **fields,
        }
        status, twiml = self.twilio.post_signed_for_reply(url, params)
        call.webhook_statuses.append(status)
        return twiml

    def _follow(self, call: InboundCall, twiml: str | None) -> None:
        for _ in range(MAX_FOLLOWS):
            if twiml is None:
                # Twilio says "an application error has occurred" and hangs up
                call.heard.append({"text": "(application error)", "language": "en-US"})
                call.ended = True
                return
            try:
                root = ET.fromstring(twiml)  # noqa: S314 - TwiML the local stack wrote, on 127.0.0.1
            except ET.ParseError:
                twiml = None
                continue
            next_twiml: str | None = None
            moved = False
            for verb in root:
                if verb.tag == "Say":
                    self._heard(call, verb)
                elif verb.tag == "Gather":
                    for inner in verb:
                        if inner.tag == "Say":
                            self._heard(call, inner)
                    call.waiting_url = self._absolute(verb.get("action") or self.voice_url)
                    return
                elif verb.tag == "Redirect":
                    next_twiml, moved = self._post(call, self._absolute((verb.text or "").strip()), {}), True
                    break
                elif verb.tag == "Dial":
                    number = (verb.text or "").strip() or next(
                        (n.text or "" for n in verb.iter("Number")), ""
                    )
                    call.dialled.append(number)
                    outcome = self.twilio.call_outcomes.get(number, "completed")
                    action = verb.get("action")
                    if not action:
                        call.ended = True
                        return
                    fields = {
                        "DialCallStatus": outcome,
                        "DialCallDuration": "42" if outcome == "completed" else "0",
                    }
                    next_twiml, moved = self._post(call, self._absolute(action), fields), True
                    break
                elif verb.tag == "Hangup":
                    call.ended = True
                    return
            if not moved:
                call.ended = True  # the end of the document ends the call
                return
            twiml = next_twiml
        call.ended = True

    @staticmethod
    def _heard(call: InboundCall, say: ET.Element) -> None:
        call.heard.append({"text": (say.text or "").strip(), "language": say.get("language") or "en-US"})

    def _absolute(self, url: str) -> str:
        return urllib.parse.urljoin(self.voice_url, url)

    # --- the simulator's calls ---------------------------------------------------------------------------

    def simulator(self, request: BaseHTTPRequestHandler, path: str, body: bytes) -> None:
        """POST /simulator/api/call {from}: call the agency; POST /simulator/api/call/press {sid, digits?,
        speech?}; POST /simulator/api/call/hangup {sid}; GET /simulator/api/call?resident=: the calls."""
        from infra.local.twilio_fake.server import _is_phone_address

        if request.command == "GET":
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.path).query))
            calls = [c.view() for c in self.call_of(query.get("resident", ""))]
            return self.twilio._json(request, 200, {"agency": self.twilio.agency_number, "calls": calls})
        try:
            payload = json.loads(body or b"{}")
            if not isinstance(payload, dict):
                raise TypeError
        except (ValueError, TypeError):
            return self.twilio._json(request, 400, {"message": "expected a JSON object"})
        if path == "/simulator/api/call":
            resident = str(payload.get("from", ""))
            if not _is_phone_address(resident) or resident.startswith("whatsapp:"):
                return self.twilio._json(request, 400, {"message": "from must be an E.164 phone number"})
            return self.twilio._json(request, 200, self.place(resident).view())
        call = self.calls.get(str(payload.get("sid", "")))
        if call is None:
            return self.twilio._json(request, 404, {"message": "no such call"})
        if path == "/simulator/api/call/hangup":
            return self.twilio._json(request, 200, self.hang_up(call.sid).view())
        if path == "/simulator/api/call/press":
            digits = str(payload.get("digits", ""))[:1]
            if digits and digits not in "0123456789*#":
                return self.twilio._json(request, 400, {"message": "digits: one key of the keypad"})
            try:
                view = self.press(call.sid, digits, str(payload.get("speech", ""))[:200]).view()
            except ValueError as error:
                return self.twilio._json(request, 409, {"message": str(error)})
            return self.twilio._json(request, 200, view)
        return self.twilio._json(request, 404, {"message": "Not found"})
