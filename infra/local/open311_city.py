"""A city's Open311 GeoReport v2 endpoint on 127.0.0.1 (JSON format), for the Open311 client to talk to
offline: what the local Twilio endpoint is to the SMS sender.

- `POST /requests.json` (form: api_key, service_code, lat/long or address_string, attribute[...]) answers
  `[{"service_request_id": ...}]` (realtime) or `[{"token": ...}]` (`batch = True`); a wrong key is 403 and
  a missing service_code 400, as the spec's error arrays.
- `GET /tokens/{token}.json` answers the token alone until the city "made" the request (after
  `token_polls_before_id` looks), then with its service_request_id.
- `GET /requests.json?service_request_id=a,b` answers those requests with their status and status_notes.
- Tests (in-process): `fail_next("400", "500", "timeout")` makes the next calls fail, one each;
  `set_status(city_id, "closed", "Filled")` is the city closing a request; `received` holds each POST's form.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class CityRequest:
    service_request_id: str
    service_code: str
    form: list[tuple[str, str]]
    status: str = "open"
    status_notes: str | None = None
    requested_datetime: str = field(default_factory=_now)
    updated_datetime: str = field(default_factory=_now)

    def view(self) -> dict[str, Any]:
        fields = dict(self.form)
        return {
            "service_request_id": self.service_request_id,
            "status": self.status,
            "status_notes": self.status_notes,
            "service_code": self.service_code,
            "requested_datetime": self.requested_datetime,
            "updated_datetime": self.updated_datetime,
            "address": fields.get("address_string"),
            "lat": float(fields["lat"]) if "lat" in fields else None,
            "long": float(fields["long"]) if "long" in fields else None,
        }


class LocalCity:
    def __init__(self, host: str, port: int, api_key: str | None = None, timeout_delay_s: float = 2.0):
        self.api_key = api_key or secrets.token_hex(12)
        self.batch = False
        self.token_polls_before_id = 1
        self.timeout_delay_s = timeout_delay_s  # how long a "timeout" failure holds the answer
        self.requests: dict[str, CityRequest] = {}
        self.tokens: dict[str, dict[str, Any]] = {}  # token -> {"request": CityRequest, "looks": n}
        self.failures: deque[str] = deque()
        self.received: list[list[tuple[str, str]]] = []
        self.calls: list[str] = []  # "POST /requests.json", "GET /tokens/...", in order
        self.lock = threading.Lock()
        self._next = 5000
        city = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:
                city.handle(self)

            do_POST = do_GET

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="local-city", daemon=True)

    def start(self) -> LocalCity:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what tests do --------------------------------------------------------------------------------

    def fail_next(self, *kinds: str) -> None:
        """The next calls fail, one per kind: "400", "500" (any status) or "timeout"."""
        with self.lock:
            self.failures.extend(kinds)

    def set_status(self, city_id: str, status: str, notes: str | None = None) -> None:
        with self.lock:
            request = self.requests[city_id]
            request.status, request.status_notes, request.updated_datetime = status, notes, _now()

    # --- the endpoint ---------------------------------------------------------------------------------

    def handle(self, http: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(http.path)
        length = int(http.headers.get("Content-Length") or 0)
        body = http.rfile.read(length).decode() if length else ""
        with self.lock:
            self.calls.append(f"{http.command} {parts.path}")
            failure = self.failures.popleft() if self.failures else None
        if failure == "timeout":
            time.sleep(self.timeout_delay_s)
            failure = "500"  # if the client still waits, it gets an error anyway
        if failure is not None:
            self._answer(http, int(failure), [{"code": int(failure), "description": "injected failure"}])
            return
        if http.command == "POST" and parts.path == "/requests.json":
            self._post_request(http, parse_qsl(body, keep_blank_values=True))
        elif http.command == "GET" and parts.path.startswith("/tokens/") and parts.path.endswith(".json"):
            self._token(http, parts.path[len("/tokens/") : -len(".json")])
        elif http.command == "GET" and parts.path == "/requests.json":
            ids = ",".join(parse_qs(parts.query).get("service_request_id", [""])).split(",")
            with self.lock:
                found = [self.requests[i].view() for i in ids if i in self.requests]
            self._answer(http, 200, found)
        else:
            self._answer(http, 404, [{"code": 404, "description": "not found"}])

    def _post_request(self, http: BaseHTTPRequestHandler, form: list[tuple[str, str]]) -> None:
        fields = dict(form)
        if fields.get("api_key") != self.api_key:
            self._answer(http, 403, [{"code": 403, "description": "api_key is not valid"}])
            return
        if not fields.get("service_code"):
            self._answer(http, 400, [{"code": 400, "description": "service_code is required"}])
            return
        with self.lock:
            self._next += 1
            request = CityRequest(f"C{self._next}", fields["service_code"], form)
            self.requests[request.service_request_id] = request
            self.received.append(form)
            if self.batch:
                token = secrets.token_hex(8)
                self.tokens[token] = {"request": request, "looks": 0}
                answer: dict[str, Any] = {"token": token}
            else:
                answer = {"service_request_id": request.service_request_id, "service_notice": ""}
        self._answer(http, 200, [answer])

    def _token(self, http: BaseHTTPRequestHandler, token: str) -> None:
        with self.lock:
            entry = self.tokens.get(token)
            if entry is None:
                answer: Any = None
            else:
                entry["looks"] += 1
                answer = [{"token": token}]
                if entry["looks"] > self.token_polls_before_id:
                    answer[0]["service_request_id"] = entry["request"].service_request_id
        if answer is None:
            self._answer(http, 404, [{"code": 404, "description": "no such token"}])
        else:
            self._answer(http, 200, answer)

    def _answer(self, http: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        try:
            http.send_response(status)
            http.send_header("Content-Type", "application/json; charset=utf-8")
            http.send_header("Content-Length", str(len(data)))
            http.end_headers()
            http.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)
