"""Shared by the alerts tests: subscribers written through the real consent ledger, a stateful in-memory
Twilio under the real SDK (with faults), and calls to the alerts API."""

from __future__ import annotations

import dataclasses
import json
import secrets
import threading
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from tests.integration.conftest import LambdaContext
from tests.integration.test_agent_api import api_event, call

SUPERVISOR = {
    "sub": "50000000-0000-4000-8000-00000000a1e7",
    "email": "sup@example.gov",
    "cognito:groups": "[supervisor]",
}
AGENT = {
    "sub": "a9000000-0000-4000-8000-00000000a1e7",
    "email": "agent@example.gov",
    "cognito:groups": "[agent]",
}


def alerts_call(
    api: Any, method: str, path: str, body: Any = None, claims: dict[str, Any] = SUPERVISOR
) -> tuple[int, Any]:
    event = api_event(method, path, body=body, claims=claims)
    event["routeKey"] = "ANY /api/alerts/{proxy+}"
    return call(api, LambdaContext(), event)


def subscribe(
    table: Any, address: str, topics: list[str], zones: list[str], language: str | None = None
) -> None:
    from inbox.dal.consent_table import ConsentTable
    from inbox.logic.consent_rules import apply_change
    from inbox.models.consent import ConsentChange

    ledger = ConsentTable(table)
    before = ledger.load_state(address)
    state = before
    changes = []
    for index, topic in enumerate(topics):
        change = ConsentChange(
            address, "sms", topic, "opt_in", "2026-12-01T10:00:00.000000Z", "signup", f"s{index}"
        )
        changes.append(change)
        state = apply_change(state, change)
    zone_change = ConsentChange(
        address, "sms", "ALL", "set_zone", "2026-12-01T10:00:00.000000Z", "signup", "zone", zones=tuple(zones)
    )
    changes.append(zone_change)
    state = apply_change(state, zone_change)
    assert ledger.record(changes, before, replace(state, language=language))


def stop_all(table: Any, address: str, source_id: str = "stop") -> None:
    from inbox.dal.consent_table import ConsentTable
    from inbox.logic.consent_changes import record_change
    from inbox.models.consent import ConsentChange

    change = ConsentChange(
        address, "sms", "ALL", "opt_out", "2026-12-01T11:00:00.000000Z", "keyword", source_id
    )
    record_change(ConsentTable(table), change)


def add_topics(table: Any, *codes: str) -> None:
    from inbox.dal.consent_table import ConsentTable
    from inbox.models.consent import Topic

    for code in codes:
        ConsentTable(table).put_topic(Topic(code=code, name=code.title()))


@dataclasses.dataclass
class CarrierMessage:
    sid: str
    to: str
    body: str
    created: datetime


class InMemoryTwilio(HttpClient):
    """Messages.json create and list, like Twilio; `faults` are consumed one per create:
    429 / 500 answer without creating; "500-after-create" creates the message and then answers 500 (Twilio
    did the work, the answer was lost); {"code": 21610, "status": 400} rejects the recipient."""

    def __init__(self, clock: Any = lambda: datetime.now(UTC)) -> None:
        super().__init__(logger=None, is_async=False)  # type: ignore[arg-type]
        self.messages: list[CarrierMessage] = []
        self.faults: list[Any] = []
        self.creates = 0
        self.lock = threading.Lock()
        self.clock = clock
        self.on_create: Any = None

    def client(self) -> Client:
        return Client("AC" + "0" * 32, "token", http_client=self)

    def sent_to(self, address: str) -> list[CarrierMessage]:
        return [m for m in self.messages if m.to == address]

    def request(
        self,
        method: str,
        url: str,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = False,
    ) -> Response:
        if method == "GET":
            to = (params or {}).get("To") or parse_qs(urlsplit(url).query).get("To", [None])[0]
            with self.lock:
                found = [m for m in reversed(self.messages) if to is None or m.to == to]
            return Response(
                200, json.dumps({"messages": [self._resource(m) for m in found], "next_page_uri": None})
            )
        with self.lock:
            self.creates += 1
            fault = self.faults.pop(0) if self.faults else None
        form = dict(data or {})
        if self.on_create is not None:
            self.on_create(form)
        if fault in (429, 500, 503):
            return Response(
                fault, json.dumps({"code": 20429 if fault == 429 else 20500, "status": fault, "message": "x"})
            )
        if isinstance(fault, dict):
            return Response(
                fault["status"],
                json.dumps({"code": fault["code"], "status": fault["status"], "message": "x"}),
            )
        message = CarrierMessage(
            "SM" + secrets.token_hex(16), str(form["To"]), str(form["Body"]), self.clock()
        )
        with self.lock:
            self.messages.append(message)
        if fault == "500-after-create":
            return Response(500, json.dumps({"code": 20500, "status": 500, "message": "x"}))
        return Response(201, json.dumps(self._resource(message)))

    @staticmethod
    def _resource(message: CarrierMessage) -> dict[str, Any]:
        return {
            "sid": message.sid,
            "to": message.to,
            "body": message.body,
            "status": "queued",
            "date_created": format_datetime(message.created.astimezone(UTC), usegmt=True),
            "account_sid": "AC" + "0" * 32,
        }
