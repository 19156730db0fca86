"""The sign-up page's API on the local stack, flooded: 15 sign-ups in a second to different numbers from one
address, and only the address's allowance is texted; every other answer is a 429 with nothing sent."""

from __future__ import annotations

import http.client
import json
import secrets
from urllib.parse import urlsplit

import pytest
from switchboard.public_texts import PER_CLIENT

from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e
# Loopback takes any 127.x source address: this test's client is its own, so the allowance it spends is not
# the one the browser tests' sign-ups (from 127.0.0.1) need.
FLOOD_SOURCE = "127.0.0.77"


def sign_up_from(stack: LocalStack, source: str, phone: str) -> tuple[int, dict[str, str], dict[str, object]]:
    url = urlsplit(stack.api_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=15, source_address=(source, 0))
    try:
        body = json.dumps({"phone": phone, "topics": ["WATER"]})
        connection.request("POST", "/api/public/signup", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, dict(response.headers), json.loads(response.read() or b"{}")
    finally:
        connection.close()


def test_fifteen_sign_ups_in_a_second_send_only_what_one_address_may(local_stack: LocalStack) -> None:
    phones = ["+1555" + "".join(secrets.choice("0123456789") for _ in range(7)) for _ in range(15)]

    answers = [sign_up_from(local_stack, FLOOD_SOURCE, phone) for phone in phones]

    allowed = PER_CLIENT.max_count
    assert [status for status, _, _ in answers] == [202] * allowed + [429] * (15 - allowed)
    for _, headers, body in answers[allowed:]:
        assert body["error"] == "rate_limited" and int(headers["Retry-After"]) > 0
    local_stack.wait_until_idle()
    texted = [phone for phone in phones if local_stack.twilio.messages_to(phone)]
    assert texted == phones[:allowed]
