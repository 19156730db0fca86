"""The foundation's promise over HTTP: a resident's signed text reaches the agent API, the agent's reply goes
out through the real twilio SDK to the local Twilio endpoint, and its signed status callback marks it
delivered."""

from __future__ import annotations

import base64
import io
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, LocalStack

pytestmark = pytest.mark.e2e
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def resident() -> str:
    return "+1555" + "".join(secrets.choice("0123456789") for _ in range(7))


def call(
    stack: LocalStack,
    method: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(stack.api_url + path, data=data, method=method, headers=headers or {})
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def eventually(check: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def token(local_stack: LocalStack) -> str:
    return local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)


def thread_of(stack: LocalStack, token: str, address: str) -> dict[str, Any] | None:
    status, _, body = call(stack, "GET", "/api/threads?limit=100", token)
    assert status == 200
    return next((t for t in json.loads(body)["threads"] if t["resident"]["address"] == address), None)


def test_signed_text_reaches_the_agent_api(local_stack: LocalStack, token: str) -> None:
    address = resident()
    status, sid = local_stack.send_inbound(address, "Is the shelter on Main St open?")
    assert status == 200
    thread = eventually(lambda: thread_of(local_stack, token, address))
    assert thread["channel"] == "sms" and thread["unread"] == 1
    status, _, body = call(local_stack, "GET", f"/api/threads/{thread['thread_id']}", token)
    messages = json.loads(body)["messages"]
    assert [m["body"] for m in messages] == ["Is the shelter on Main St open?"]
    assert messages[0]["twilio_sid"] == sid and messages[0]["direction"] == "in"


def test_a_redelivered_webhook_stores_one_message(local_stack: LocalStack, token: str) -> None:
    address, sid = resident(), "SM" + secrets.token_hex(16)
    for _ in range(3):
        assert local_stack.send_inbound(address, "Power is out on Oak Ave", message_sid=sid)[0] == 200
    thread = eventually(lambda: thread_of(local_stack, token, address))
    local_stack.wait_until_idle()
    _, _, body = call(local_stack, "GET", f"/api/threads/{thread['thread_id']}", token)
    assert len(json.loads(body)["messages"]) == 1


def test_unsigned_or_forged_webhook_is_refused_and_stores_nothing(
    local_stack: LocalStack, token: str
) -> None:
    address = resident()
    form = urllib.parse.urlencode(
        {
            "MessageSid": "SM" + "0" * 32,
            "From": address,
            "To": "+15550100100",
            "AccountSid": local_stack.account_sid,
            "Body": "forged",
        }
    ).encode()
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    assert call(local_stack, "POST", "/twilio/messages", raw=form, headers=form_type)[0] == 403
    forged = {**form_type, "X-Twilio-Signature": base64.b64encode(b"x" * 20).decode()}
    assert call(local_stack, "POST", "/twilio/messages", raw=form, headers=forged)[0] == 403
    local_stack.wait_until_idle()
    assert thread_of(local_stack, token, address) is None


def test_agent_reply_is_sent_through_twilio_and_marked_delivered(local_stack: LocalStack, token: str) -> None:
    address = resident()
    local_stack.send_inbound(address, "Need a ride to the cooling centre")
    thread = eventually(lambda: thread_of(local_stack, token, address))
    status, _, body = call(
        local_stack,
        "POST",
        f"/api/threads/{thread['thread_id']}/messages",
        token,
        body={"body": "A van leaves City Hall at 2 pm."},
    )
    assert status == 202
    message_id = json.loads(body)["message"]["message_id"]
    sent = eventually(lambda: local_stack.twilio.messages_to(address))
    assert sent[0]["body"] == "A van leaves City Hall at 2 pm." and sent[0]["from"] == "+15550100100"

    def delivered() -> bool:
        _, _, page = call(local_stack, "GET", f"/api/threads/{thread['thread_id']}", token)
        reply = next(m for m in json.loads(page)["messages"] if m["message_id"] == message_id)
        return reply["status"] == "delivered" and reply["twilio_sid"] == sent[0]["sid"]

    eventually(delivered)


def pixels(png: bytes) -> list[tuple[int, ...]]:
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return list(image.convert("RGBA").getdata())


def test_mms_media_is_copied_and_served_to_staff_only(local_stack: LocalStack, token: str) -> None:
    address = resident()
    local_stack.send_inbound(address, "Photo of the flooding", media=[("image/png", PNG)])
    thread = eventually(lambda: thread_of(local_stack, token, address))
    _, _, body = call(local_stack, "GET", f"/api/threads/{thread['thread_id']}", token)
    media = json.loads(body)["messages"][0]["media"]
    assert [m["content_type"] for m in media] == ["image/png"]
    path = f"/api/threads/{thread['thread_id']}/media/{media[0]['media_id']}"
    status, headers, data = call(local_stack, "GET", path, token)
    assert status == 200 and headers["Content-Type"] == "image/png"
    # Re-encoded from its pixels (no metadata survives): other bytes, the same picture
    assert pixels(data) == pixels(PNG)
    assert call(local_stack, "GET", path)[0] == 401


def test_staff_routes_need_a_valid_token(local_stack: LocalStack, token: str) -> None:
    assert call(local_stack, "GET", "/api/threads")[0] == 401
    assert call(local_stack, "GET", "/api/threads", token[:-4] + "AAAA")[0] == 401
    status, _, body = call(local_stack, "GET", "/api/me", token)
    assert status == 200 and json.loads(body)["email"] == DEMO_AGENT_EMAIL


def test_agent_page_is_served_under_the_templates_csp(local_stack: LocalStack) -> None:
    status, headers, body = call(local_stack, "GET", "/")
    assert status == 200 and b"<html" in body
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
    config = json.loads(call(local_stack, "GET", "/config.json")[2])
    assert config["cognito"]["clientId"] == local_stack.outputs["UserPoolClientId"]
