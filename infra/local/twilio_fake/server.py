"""A Twilio-compatible endpoint on 127.0.0.1 for the real twilio SDK, plus the resident simulator.

- `POST /2010-04-01/Accounts/{AC}/Messages.json` (basic auth) records a message and answers like Twilio; then
  it fires signed status callbacks (queued -> sent -> delivered, or the fault plan's final status).
- `GET .../Messages/{SM}.json`, `GET .../Messages/{MM}/Media/{ME}` (the media of simulated MMS, basic auth).
- `/simulator/` is a simulated phone for a person playing the resident; `/simulator/api/*` is its JSON API.
- `POST .../Calls.json`, `GET .../Calls/{CA}.json`: voice calls (infra.local.twilio_fake.calls), with signed
  call progress callbacks for the call and the number its TwiML <Dial>s.
- `/__control/faults` lets tests make the next sends fail (429, 500, 21610) or end undelivered, and a number
  not answer a call (`call_outcome`); `{"status": 500, "after_create": true}` creates the message and then
  answers 500 (the answer lost).
- `GET .../Messages.json?To=` lists the messages to one number, newest first.
- `GET /simulator/api/emails?to=` lists the emails SES (moto) accepted for one address (issue 22).
- Opt-outs as Twilio keeps them: an SMS whose whole text is an opt-out keyword (STOP, STOPALL, UNSUBSCRIBE,
  CANCEL, END, QUIT, REVOKE, OPTOUT; any case, surrounding spaces) sent through `send_inbound` blocks that
  agency number from texting that resident: messages.create answers 400, code 21610, until the resident sends
  START, UNSTOP or YES. WhatsApp has no carrier keywords.
"""

from __future__ import annotations

import base64
import json
import logging
import mimetypes
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from twilio.request_validator import RequestValidator

from infra.local.template import ACCOUNT_ID, REGION
from infra.local.twilio_fake.calls import LocalCalls
from infra.local.twilio_fake.emails import sent_emails
from infra.local.twilio_fake.ivr_calls import LocalInboundCalls

log = logging.getLogger("switchboard.local")
STATIC = Path(__file__).resolve().parent / "static"
API = "/2010-04-01/Accounts/"


# Twilio's default opt-out and opt-in keywords (the whole message, trimmed, any case).
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES"})
UNSUBSCRIBED_RECIPIENT = {
    "code": 21610,
    "message": "Attempt to send to unsubscribed recipient",
    "more_info": "https://www.twilio.com/docs/errors/21610",
    "status": 400,
}


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class SentMessage:
    sid: str
    to: str
    from_: str
    body: str
    status: str
    status_callback: str | None
    messaging_service_sid: str | None
    created: float = field(default_factory=time.time)
    error_code: int | None = None

    def resource(self, account_sid: str) -> dict[str, Any]:
        date = formatdate(self.created, usegmt=True)
        return {
            "account_sid": account_sid,
            "api_version": "2010-04-01",
            "body": self.body,
            "date_created": date,
            "date_sent": None,
            "date_updated": date,
            "direction": "outbound-api",
            "error_code": self.error_code,
            "error_message": None,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": f"{API}{account_sid}/Messages/{self.sid}/Media.json"},
            "to": self.to,
            "uri": f"{API}{account_sid}/Messages/{self.sid}.json",
        }


@dataclass
class InboundText:
    sid: str
    from_: str
    to: str
    body: str
    media: list[tuple[str, str, bytes]]  # (media sid, content type, bytes)
    created: float = field(default_factory=time.time)


class LocalTwilio:
    def __init__(
        self,
        host: str,
        port: int,
        account_sid: str,
        auth_token: str,
        agency_number: str,
        webhook_url: str,
        status_delays: tuple[float, float] = (0.2, 0.3),
    ):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.agency_number = agency_number
        self.webhook_url = webhook_url
        self.status_delays = status_delays
        self.validator = RequestValidator(auth_token)
        self.sent: list[SentMessage] = []
        self.inbound: list[InboundText] = []
        self.media: dict[str, tuple[str, bytes]] = {}
        self.calls: list[dict[str, Any]] = []
        self.faults: list[dict[str, Any]] = []  # consumed one per send: {"status": 429, "code": 20429}
        self.final_status: dict[
            str, dict[str, Any]
        ] = {}  # by recipient: {"status": "undelivered", "code": 30003}
        self.media_outage = False  # while True, media downloads answer 503 (a Twilio incident)
        self.opted_out: set[tuple[str, str]] = set()  # (agency number, resident) pairs blocked by a STOP
        self.lock = threading.Lock()
        self.call_outcomes: dict[
            str, str
        ] = {}  # by number: "busy", "no-answer", "failed" instead of answering
        self._calls = LocalCalls(self)
        # Residents calling the agency number: posted to the stack's voice webhook (twilio_fake/ivr_calls.py)
        self.inbound_calls = LocalInboundCalls(self, webhook_url.rsplit("/twilio/", 1)[0] + "/twilio/voice")
        twilio = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # paths and bodies hold phone numbers

            def do_GET(self) -> None:
                twilio.handle(self)

            do_POST = do_GET

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="local-twilio", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what a resident does --------------------------------------------------------------------------

    def send_inbound(
        self,
        from_: str,
        body: str,
        media: list[tuple[str, bytes]] | None = None,
        to: str | None = None,
        message_sid: str | None = None,
        extra: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """A resident texts the agency: Twilio's exact form fields, signed, posted to the stack's webhook.
        `extra`: more of Twilio's fields (a WhatsApp shared location: Latitude, Longitude, Address, Label)."""
        sid = message_sid or _sid("MM" if media else "SM")
        to = to or self.agency_number
        stored_media = [(_sid("ME"), content_type, data) for content_type, data in (media or [])]
        channel_prefix = "whatsapp:" if from_.startswith("whatsapp:") else ""
        if channel_prefix and not to.startswith("whatsapp:"):
            to = channel_prefix + to
        params = {
            "ToCountry": "US",
            "ToState": "CA",
            "SmsMessageSid": sid,
            "NumMedia": str(len(stored_media)),
            "ToCity": "",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "",
            "SmsStatus": "received",
            "FromCity": "",
            "Body": body,
            "FromCountry": "US",
            "To": to,
            "ToZip": "",
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": from_,
            "ApiVersion": "2010-04-01",
            **(extra or {}),
        }
        with self.lock:
            for index, (media_sid, content_type, data) in enumerate(stored_media):
                self.media[media_sid] = (content_type, data)
                params[f"MediaUrl{index}"] = (
                    f"https://api.twilio.com{API}{self.account_sid}/Messages/{sid}/Media/{media_sid}"
                )
                params[f"MediaContentType{index}"] = content_type
            self.inbound.append(InboundText(sid, from_, to, body, stored_media))
            if not channel_prefix:
                self._learn_opt_out(to, from_, body)
        status = self.post_signed(self.webhook_url, params)
        return status, sid

    def _learn_opt_out(self, agency_number: str, resident: str, body: str) -> None:
        """What Twilio does with a keyword an SMS carries, before the agency's webhook sees it."""
        keyword = body.strip().upper()
        if keyword in OPT_OUT_KEYWORDS:
            self.opted_out.add((agency_number, resident))
        elif keyword in OPT_IN_KEYWORDS:
            self.opted_out.discard((agency_number, resident))

    def post_signed(self, url: str, params: dict[str, str]) -> int:
        return self.post_signed_for_reply(url, params)[0]

    def post_signed_for_reply(self, url: str, params: dict[str, str]) -> tuple[int, str | None]:
        """POST a form to the agency's webhook as Twilio does (signed with the auth token): the HTTP status
        (0 when nothing answered) and, for a 2xx, the body (the TwiML of a voice webhook)."""
        signature = self.validator.compute_signature(url, params)
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(params).encode(),
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
                "User-Agent": "TwilioProxy/1.1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - local stack only
                return response.status, str(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            return error.code, None
        except OSError:
            return 0, None

    def messages_to(self, address: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m.resource(self.account_sid) for m in self.sent if m.to == address]

    # --- the REST API ----------------------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(request.path).path
        if path == "/simulator/api/call" or path.startswith("/simulator/api/call/"):
            return self.inbound_calls.simulator(request, path, body)
        if path.startswith("/simulator"):
            return self._simulator(request, path, body)
        if path.startswith("/__control/"):
            return self._control(request, path, body)
        if path.startswith(API):
            if not self._authorized(request):
                return self._json(request, 401, {"code": 20003, "message": "Authenticate", "status": 401})
            return self._rest(request, path, body)
        self._json(request, 404, {"code": 20404, "message": "Not found", "status": 404})

    def _authorized(self, request: BaseHTTPRequestHandler) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return secrets.compare_digest(request.headers.get("Authorization", ""), f"Basic {expected}")

    def _rest(self, request: BaseHTTPRequestHandler, path: str, body: bytes) -> None:
        account = path[len(API) :].split("/", 1)[0]
        if account != self.account_sid:
            return self._json(request, 404, {"code": 20404, "message": "Account not found", "status": 404})
        rest = path[len(API) + len(account) :]
        form = {k: v for k, v in urllib.parse.parse_qsl(body.decode(), keep_blank_values=True)}
        if request.command == "POST" and rest == "/Messages.json":
            return self._create_message(request, form)
        if request.command == "POST" and rest == "/Calls.json":
            events = [v for k, v in urllib.parse.parse_qsl(body.decode()) if k == "StatusCallbackEvent"]
            return self._calls.create(request, form, events)
        one_call = re.fullmatch(r"/Calls/(\w+)\.json", rest)
        if request.command == "GET" and one_call:
            return self._calls.fetch(request, one_call.group(1))
        media = re.fullmatch(r"/Messages/(\w+)/Media/(\w+)(\.json)?", rest)
        if request.command == "GET" and media:
            if self.media_outage:
                return self._json(
                    request, 503, {"code": 20503, "message": "Service unavailable", "status": 503}
                )
            with self.lock:
                found = self.media.get(media.group(2))
            if found is None:
                return self._json(request, 404, {"code": 20404, "message": "Media not found", "status": 404})
            return self._bytes(request, 200, found[0], found[1])
        one = re.fullmatch(r"/Messages/(\w+)\.json", rest)
        if request.command == "GET" and one:
            with self.lock:
                match = next((m for m in self.sent if m.sid == one.group(1)), None)
            if match is None:
                return self._json(request, 404, {"code": 20404, "message": "Not found", "status": 404})
            return self._json(request, 200, match.resource(self.account_sid))
        if request.command == "GET" and rest == "/Messages.json":
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.path).query))
            to = query.get("To")
            with self.lock:
                items = [m.resource(self.account_sid) for m in reversed(self.sent) if to in (None, m.to)]
            return self._json(request, 200, {"messages": items, "page": 0, "page_size": len(items)})
        self._json(request, 404, {"code": 20404, "message": "Not found", "status": 404})

    def _create_message(self, request: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        to, body = form.get("To", ""), form.get("Body", "")
        from_ = form.get("From") or ""
        service = form.get("MessagingServiceSid")
        if not to or not (from_ or service) or not (body or form.get("MediaUrl")):
            return self._json(
                request,
                400,
                {"code": 21604, "message": "A 'To', 'From' and 'Body' are required", "status": 400},
            )
        with self.lock:
            # A Messaging Service sends from the agency number here; Twilio would key by the service.
            unsubscribed = ((from_ or self.agency_number), to) in self.opted_out
            fault = None if unsubscribed or not self.faults else self.faults.pop(0)
        if unsubscribed:
            return self._json(request, 400, UNSUBSCRIBED_RECIPIENT)
        if fault is not None and fault.get("after_create"):
            # Twilio created the message, then the answer was lost: a 5xx the sender cannot trust.
            fault = {key: value for key, value in fault.items() if key != "after_create"}
            message = SentMessage(
                _sid("SM"),
                to,
                from_ or self.agency_number,
                body,
                "queued",
                form.get("StatusCallback"),
                service,
            )
            with self.lock:
                self.sent.append(message)
            threading.Thread(target=self._progress, args=(message,), daemon=True).start()
        if fault is not None:
            status = int(fault.get("status", 400))
            return self._json(
                request,
                status,
                {
                    "code": fault.get("code", status),
                    "status": status,
                    "message": fault.get("message", "Injected fault"),
                    "more_info": f"https://www.twilio.com/docs/errors/{fault.get('code')}",
                },
            )
        message = SentMessage(
            _sid("SM"), to, from_ or self.agency_number, body, "queued", form.get("StatusCallback"), service
        )
        with self.lock:
            self.sent.append(message)
        self._json(request, 201, message.resource(self.account_sid))
        threading.Thread(target=self._progress, args=(message,), daemon=True).start()

    def _progress(self, message: SentMessage) -> None:
        """The carrier's part: sent, then delivered (or the planned failure), each reported signed."""
        plan = self.final_status.get(message.to, {"status": "delivered"})
        for status, delay in (("sent", self.status_delays[0]), (plan["status"], self.status_delays[1])):
            time.sleep(delay)
            with self.lock:
                message.status = status
                if plan.get("code") and status == plan["status"]:
                    message.error_code = int(plan["code"])
            if message.status_callback:
                params = {
                    "AccountSid": self.account_sid,
                    "ApiVersion": "2010-04-01",
                    "From": message.from_,
                    "To": message.to,
                    "MessageSid": message.sid,
                    "SmsSid": message.sid,
                    "SmsStatus": status,
                    "MessageStatus": status,
                }
                if message.error_code and status in ("failed", "undelivered"):
                    params["ErrorCode"] = str(message.error_code)
                self.post_signed(message.status_callback, params)

    # --- the simulator and test controls ----------------------------------------------------------------

    def _simulator(self, request: BaseHTTPRequestHandler, path: str, body: bytes) -> None:
        if path == "/simulator/api/messages" and request.command == "GET":
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.path).query))
            address = query.get("resident", "")
            with self.lock:
                received: list[dict[str, Any]] = [
                    {
                        "direction": "in",
                        "body": m.body,
                        "status": m.status,
                        "sid": m.sid,
                        "error_code": m.error_code,
                        "at": m.created,
                    }
                    for m in self.sent
                    if m.to == address
                ]
                said: list[dict[str, Any]] = [
                    {
                        "direction": "out",
                        "body": t.body,
                        "status": "sent",
                        "sid": t.sid,
                        "at": t.created,
                        "media": len(t.media),
                    }
                    for t in self.inbound
                    if t.from_ == address
                ]
            conversation = sorted(received + said, key=lambda item: item["at"])
            return self._json(request, 200, {"agency": self.agency_number, "messages": conversation})
        if path == "/simulator/api/emails" and request.command == "GET":
            # Issue 22: the alert emails SES (moto) accepted for one address.
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.path).query))
            return self._json(
                request, 200, {"emails": sent_emails(ACCOUNT_ID, REGION, query.get("to") or "-")}
            )
        if path == "/simulator/api/send" and request.command == "POST":
            try:
                payload = json.loads(body or b"{}")
                media = [
                    (item["content_type"], base64.b64decode(item["data"]))
                    for item in payload.get("media", [])
                ]
                resident, text = str(payload["from"]), str(payload.get("body", ""))
            except (ValueError, KeyError, TypeError):
                return self._json(request, 400, {"message": "expected {from, body, media?}"})
            if not _is_phone_address(resident) or not (text or media):
                return self._json(
                    request, 400, {"message": "from must be E.164 and there must be a text or photo"}
                )
            status, sid = self.send_inbound(resident, text, media)
            return self._json(request, 200 if status == 200 else 502, {"webhook_status": status, "sid": sid})
        name = path.removeprefix("/simulator").strip("/") or "index.html"
        target = (STATIC / name).resolve()
        if not target.is_relative_to(STATIC) or not target.is_file():
            return self._json(request, 404, {"message": "Not found"})
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._bytes(
            request,
            200,
            content_type
            + (
                "; charset=utf-8"
                if content_type.startswith("text") or content_type.endswith("javascript")
                else ""
            ),
            target.read_bytes(),
        )

    def _control(self, request: BaseHTTPRequestHandler, path: str, body: bytes) -> None:
        if path == "/__control/faults" and request.command == "POST":
            payload = json.loads(body or b"{}")
            with self.lock:
                self.faults.extend(payload.get("send_errors", []))
                self.final_status.update(payload.get("final_status", {}))
                self.media_outage = bool(payload.get("media_outage", self.media_outage))
                self.call_outcomes.update(payload.get("call_outcome", {}))
                self._calls.keys.update(payload.get("call_keys", {}))
                self._calls.answered_by.update(payload.get("call_answered_by", {}))
            return self._json(request, 200, {"pending_faults": len(self.faults)})
        if path == "/__control/messages":
            with self.lock:
                return self._json(
                    request,
                    200,
                    {"sent": [m.resource(self.account_sid) for m in self.sent], "calls": list(self.calls)},
                )
        self._json(request, 404, {"message": "Not found"})

    def _json(self, request: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
        self._bytes(request, status, "application/json", json.dumps(payload).encode())

    def _bytes(self, request: BaseHTTPRequestHandler, status: int, content_type: str, data: bytes) -> None:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        request.send_header(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' blob: data:; frame-ancestors 'none'; base-uri 'none'",
        )
        request.send_header("X-Content-Type-Options", "nosniff")
        request.end_headers()
        request.wfile.write(data)


def _is_phone_address(address: str) -> bool:
    """A resident's number, bare or `whatsapp:`, valid by the functions' own rules (switchboard.phone)."""
    # Imported here: the shared layer is on sys.path once the stack has started.
    from switchboard.phone import InvalidAddress, is_e164, parse_address

    try:
        parsed = parse_address(address)
    except InvalidAddress:
        return False
    return parsed.channel in ("sms", "whatsapp") and is_e164(parsed.number)
