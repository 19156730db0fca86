"""311 intake on the local stack, through the real webhook, web chat API, queues and pollers (issue 21
item 7): a WhatsApp report whose place is a shared location (Twilio's Latitude, Longitude, Address and Label:
the events/twilio/inbound_whatsapp_location.json fixture); a web chat report with a phone's photo, filed
without its metadata and served to a city only through the signed media_url; and a second REPORT from the
same resident while the first request is open, which makes a request of its own."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests

from events import load_event
from infra.local.stack import DEMO_AGENCY_NAME, DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, REGION, LocalStack
from tests import photo_samples as samples
from tests.e2e.test_consent_e2e import bodies_to, eventually, resident
from tests.e2e.test_local_stack_api import call
from tests.e2e.widget_hosts import WIDGET_HOST_ORIGIN
from tests.integration.test_open311 import DEFINITIONS, SERVICES

pytestmark = pytest.mark.e2e
LOCATION_FIELDS = ("Latitude", "Longitude", "Address", "Label", "MessageType")


@pytest.fixture
def catalogue(local_stack: LocalStack) -> None:
    admin = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)  # the demo lead is also admin
    upload = {"services": SERVICES, "definitions": DEFINITIONS, "departments": {"POT": "roads"}}
    assert call(local_stack, "POST", "/api/services/import", admin, upload)[0] == 200


def pick(reply: str, name: str) -> str:
    """The number the reply offers `name` under ("2. Graffiti"): other tests may have added services."""
    found = re.search(rf"^(\d)\. {re.escape(name)}$", reply, re.MULTILINE)
    assert found, reply
    return found.group(1)


def converse(say: Callable[[str, dict[str, str] | None], None], answers: Callable[[], list[str]]) -> Any:
    """Sends each turn once the previous one was answered; the turns may depend on the last answer."""

    def turn(body: str, extra: dict[str, str] | None = None) -> str:
        before = len(answers())
        say(body, extra)
        return str(eventually(lambda: answers()[before:], timeout_s=20)[-1])

    return turn


def request_number(created: str) -> str:
    found = re.search(r"Request #(\d+) created", created)
    assert found, created
    return found.group(1)


def open311_request(stack: LocalStack, request_id: str) -> dict[str, Any]:
    response = requests.get(f"{stack.api_url}/open311/v2/requests/{request_id}.json", timeout=10)
    assert response.status_code == 200
    [view] = response.json()
    return dict(view)


def test_a_whatsapp_report_with_a_shared_location(local_stack: LocalStack, catalogue: None) -> None:
    number = "whatsapp:" + resident()
    turn = converse(
        lambda body, extra: local_stack.send_inbound(number, body, extra=extra) and None,
        lambda: bodies_to(local_stack, number),
    )
    offered = turn("REPORT graffiti on the wall", None)
    assert offered.startswith(f"{DEMO_AGENCY_NAME}: It sounds like Graffiti."), offered
    assert turn(pick(offered, "Graffiti"), None).startswith("Graffiti: where is it?")
    fixture = load_event("twilio/inbound_whatsapp_location.json")
    shared = {field: fixture[field] for field in LOCATION_FIELDS}
    assert turn("", shared) == "Send a photo if you have one, or reply NO."
    created = turn("NO", None)
    assert "created (Graffiti)" in created, created

    view = open311_request(local_stack, request_number(created))
    assert (view["lat"], view["long"]) == (37.7621, -122.4023)
    assert view["address"] == "120 Elm Street, Springfield" and view["media_url"] is None
    assert number.removeprefix("whatsapp:+") not in json.dumps(view)


def test_a_web_chat_report_with_a_photo(local_stack: LocalStack, catalogue: None) -> None:
    chat = requests.Session()
    chat.headers["Origin"] = WIDGET_HOST_ORIGIN
    base = local_stack.api_url
    started = chat.post(f"{base}/chat/sessions", json={"name": "Ana"}, timeout=10)
    assert started.status_code == 201, started.text
    chat.headers["Authorization"] = f"Bearer {started.json()['token']}"
    sent = iter(range(1, 100))

    def say(body: str, extra: dict[str, str] | None) -> None:
        message = {"body": body, "client_id": f"c-report-{next(sent):04d}", **(extra or {})}
        assert chat.post(f"{base}/chat/messages", json=message, timeout=10).status_code == 202

    def answers() -> list[str]:
        messages = chat.get(f"{base}/chat/messages", timeout=10).json()["messages"]
        return [m["body"] for m in messages if m.get("direction") == "out"]

    turn = converse(say, answers)
    offered = turn("REPORT", None)
    assert turn(pick(offered, "Graffiti"), None).startswith("Graffiti: where is it?")
    assert turn("Oak St and 3rd Ave", None).startswith("We could not find that place.")
    assert turn("SKIP", None) == "Send a photo if you have one, or reply NO."

    # A phone's JPEG (Exif with GPS, XMP, ICC, a comment, a second image and text after the end marker)
    dirty = samples.jpeg_with_everything(orientation=6)
    granted = chat.post(
        f"{base}/chat/uploads", json={"content_type": "image/jpeg", "size": len(dirty)}, timeout=10
    )
    assert granted.status_code == 201, granted.text
    grant = granted.json()
    uploaded = requests.post(
        grant["url"], data=grant["fields"], files={"file": ("wall.jpg", dirty, "image/jpeg")}, timeout=10
    )
    assert uploaded.status_code in (201, 204), uploaded.text
    created = turn("the wall by the school", {"upload_id": grant["upload_id"]})
    assert "created (Graffiti)" in created, created

    request_id = request_number(created)
    s3 = boto3.client("s3", endpoint_url=local_stack.moto_url, region_name=REGION)
    filed = s3.get_object(Bucket=local_stack.outputs["MediaBucketName"], Key=f"requests/{request_id}/0")
    photo = filed["Body"].read()
    assert photo[:2] == b"\xff\xd8" and [m for m in samples.LEAK_MARKERS if m in photo] == []

    # The photo leaves the stack only behind its signed link: with it, the clean copy; without, nothing
    link = urlsplit(open311_request(local_stack, request_id)["media_url"])
    served = requests.get(f"{base}{link.path}?{link.query}", timeout=10)
    assert served.status_code == 200 and served.content == photo
    assert requests.get(f"{base}{link.path}", timeout=10).status_code == 403


def test_a_second_report_while_the_first_is_open(local_stack: LocalStack, catalogue: None) -> None:
    number = resident()
    turn = converse(
        lambda body, extra: local_stack.send_inbound(number, body) and None,
        lambda: bodies_to(local_stack, number),
    )
    offered = turn("REPORT", None)
    turn(pick(offered, "Graffiti"), None)
    turn("120 Elm Street", None)
    turn("SKIP", None)
    first = request_number(turn("NO", None))
    # The first request is open; REPORT again is a new request (and, half-way, starts over)
    offered = turn("REPORT", None)
    turn(pick(offered, "Pothole"), None)
    restarted = turn("REPORT pothole", None)
    assert restarted.startswith(f"{DEMO_AGENCY_NAME}: It sounds like Pothole."), restarted
    turn(pick(restarted, "Pothole"), None)
    turn("120 Elm Street", None)
    turn("SKIP", None)
    assert turn("2", None) == "Send a photo if you have one, or reply NO."
    second = request_number(turn("NO", None))
    assert int(second) > int(first)
    assert open311_request(local_stack, first)["status"] == "open"
    assert open311_request(local_stack, second)["service_code"] == "POT"
