"""The web chat API against moto: a session, a message through the one inbound consumer into the inbox, the
agent's reply delivered to the widget (not to Twilio), CORS, bad tokens and rate limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.fakes import FakeTwilioHttpClient
from tests.integration.test_agent_api import api_event

ORIGIN = "https://www.county.example"
# A supervisor: these chats are not routed to a department, and an agent sees only their departments' threads
# (switchboard.access; tests/integration/test_staff_access_walk.py walks the agent routes as every role).
CLAIMS = {"sub": "agent-1", "email": "agent@county.example", "cognito:groups": "[supervisor]"}


def chat_event(
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    origin: str | None = ORIGIN,
    query: dict[str, str] | None = None,
    source_ip: str = "198.51.100.7",
) -> dict[str, Any]:
    event = api_event(method, path, query=query, body=body)
    event["requestContext"].pop("authorizer", None)
    event["requestContext"]["http"]["sourceIp"] = source_ip
    event["pathParameters"] = {"proxy": path.removeprefix("/chat/")}
    headers = {"content-type": "application/json"}
    if origin:
        headers["origin"] = origin
    if token:
        headers["authorization"] = f"Bearer {token}"
    event["headers"] = headers
    return event


def call(handler: Any, context: LambdaContext, event: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    response = handler.handler(event, context)
    body = response.get("body") or ""
    return response["statusCode"], response.get("headers") or {}, json.loads(body) if body else None


def sqs_event(aws: Aws, queue: str) -> dict[str, Any]:
    return aws.sqs_event(queue)  # kept for the modules that import it from here


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> FakeTwilioHttpClient:
    fake = FakeTwilioHttpClient()
    monkeypatch.setattr(
        "switchboard.twilio_client.build_http_client", lambda api_base_url, timeout=10.0: fake
    )
    return fake


def start(webchat_api: Any, context: LambdaContext) -> str:
    status, headers, body = call(webchat_api, context, chat_event("POST", "/chat/sessions", {"name": "Ana"}))
    assert status == 201, body
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    assert body["availability"]["open"] is True  # no business hours configured: always staffed
    return str(body["token"])


def test_a_chat_message_lands_in_the_inbox_and_the_reply_reaches_the_widget_not_twilio(
    aws: Aws,
    webchat_api: Any,
    inbound_consumer: Any,
    agent_api: Any,
    sms_sender: Any,
    twilio: FakeTwilioHttpClient,
    context: LambdaContext,
) -> None:
    token = start(webchat_api, context)
    question = "<img src=x onerror=alert(1)> is the clinic open?"
    message = {"body": question, "client_id": "c-0001-abcdef"}
    status, _, accepted = call(webchat_api, context, chat_event("POST", "/chat/messages", message, token))
    assert status == 202
    # A retried POST with the same client_id is the same SID: the FIFO queue and the consumer store it once
    assert call(webchat_api, context, chat_event("POST", "/chat/messages", message, token))[2] == accepted

    # The one inbound consumer stores it in the thread model, with the web chat channel
    assert inbound_consumer.handler(aws.sqs_event("InboundQueue"), context) == {"batchItemFailures": []}
    [thread] = [i for i in aws.items() if i["sk"] == "META"]
    assert thread["channel"] == "webchat" and thread["resident"]["address"].startswith("webchat:")
    assert [i["body"] for i in aws.items() if i["sk"].startswith("MSG#")] == [question]

    status, _, updates = call(webchat_api, context, chat_event("GET", "/chat/messages", token=token))
    assert status == 200
    assert [(m["direction"], m["body"], m["sid"]) for m in updates["messages"]] == [
        ("in", question, accepted["sid"])
    ]
    assert updates["read"] is False and updates["agent_typing"] is False

    # The agent types, then answers from the agent API
    typing = chat_event("POST", f"/api/webchat/threads/{thread['thread_id']}/typing")
    typing["requestContext"]["authorizer"] = {"jwt": {"claims": CLAIMS, "scopes": None}}
    assert call(webchat_api, context, typing)[0] == 200
    reply = api_event(
        "POST", f"/api/threads/{thread['thread_id']}/messages", body={"body": "Yes, until 5."}, claims=CLAIMS
    )
    assert agent_api.handler(reply, context)["statusCode"] == 202
    assert sms_sender.handler(aws.sqs_event("OutboundQueue"), context) == {"batchItemFailures": []}
    assert twilio.requests == []  # a web chat reply never goes to Twilio

    after = updates["cursor"]
    status, _, updates = call(
        webchat_api, context, chat_event("GET", "/chat/messages", token=token, query={"after": after})
    )
    assert [(m["direction"], m["body"], m["status"]) for m in updates["messages"]] == [
        ("out", "Yes, until 5.", "delivered")
    ]
    assert updates["read"] is True and updates["agent_typing"] is True


def test_continue_by_text_sends_later_replies_by_sms_in_the_same_thread(
    aws: Aws,
    webchat_api: Any,
    inbound_consumer: Any,
    agent_api: Any,
    sms_sender: Any,
    twilio: FakeTwilioHttpClient,
    context: LambdaContext,
) -> None:
    token = start(webchat_api, context)
    contact = {"phone": "+1 (555) 555-0142", "continue_by_text": True}
    # Before any message there is no thread to continue
    assert call(webchat_api, context, chat_event("POST", "/chat/contact", contact, token))[0] == 409
    call(
        webchat_api,
        context,
        chat_event("POST", "/chat/messages", {"body": "hi", "client_id": "c-0002-abcdef"}, token),
    )
    inbound_consumer.handler(aws.sqs_event("InboundQueue"), context)

    status, _, body = call(webchat_api, context, chat_event("POST", "/chat/contact", contact, token))
    assert (status, body) == (200, {"text_to_masked": "•••0142"})
    [thread] = [i for i in aws.items() if i["sk"] == "META"]
    # Texts from that phone now land in this thread
    resident = aws.table.get_item(Key={"pk": "ADDR#+15555550142", "sk": "RESIDENT"})["Item"]
    assert resident["thread_id"] == thread["thread_id"]

    reply = api_event(
        "POST",
        f"/api/threads/{thread['thread_id']}/messages",
        body={"body": "We will text you."},
        claims=CLAIMS,
    )
    assert agent_api.handler(reply, context)["statusCode"] == 202
    assert sms_sender.handler(aws.sqs_event("OutboundQueue"), context) == {"batchItemFailures": []}
    [request] = twilio.requests
    assert request["data"]["To"] == "+15555550142" and request["data"]["Body"] == "We will text you."


def test_origins_not_listed_are_refused_and_listed_ones_get_a_preflight(
    aws: Aws, webchat_api: Any, context: LambdaContext
) -> None:
    for origin in ("https://evil.example", None, "https://www.county.example.evil.example"):
        status, headers, body = call(
            webchat_api, context, chat_event("POST", "/chat/sessions", {}, origin=origin)
        )
        assert status == 403 and "Access-Control-Allow-Origin" not in headers, origin
    assert not [i for i in aws.items() if i["pk"].startswith("WEBCHAT#")]
    status, headers, _ = call(
        webchat_api, context, chat_event("OPTIONS", "/chat/messages", origin="https://county.example")
    )
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "https://county.example"
    assert "authorization" in headers["Access-Control-Allow-Headers"]


def test_a_forged_or_missing_token_is_401(aws: Aws, webchat_api: Any, context: LambdaContext) -> None:
    token = start(webchat_api, context)
    session_id = token.split(".")[1]
    forged = f"v1.{session_id}.9999999999.{'A' * 43}"
    for bad in (None, forged, token[:-2] + "xx", "garbage"):
        assert call(webchat_api, context, chat_event("GET", "/chat/messages", token=bad))[0] == 401


def test_rate_limits_answer_429_with_a_clear_message(
    aws: Aws, webchat_api: Any, context: LambdaContext
) -> None:
    token = start(webchat_api, context)
    statuses = []
    for n in range(14):
        event = chat_event(
            "POST", "/chat/messages", {"body": f"message {n}", "client_id": f"c-{n:04d}-rate"}, token
        )
        status, headers, body = call(webchat_api, context, event)
        statuses.append(status)
    assert statuses[:12] == [202] * 12 and statuses[12:] == [429, 429]
    assert body["message"] == "Too many messages. Please wait a minute and try again."
    assert 0 < int(headers["Retry-After"]) <= 60
    # Counters carry a TTL so the table forgets them
    counters = [i for i in aws.items() if i["pk"].startswith("RATE#")]
    assert counters and all(int(i["expires_at"]) > 0 for i in counters)


def test_languages_are_one_file_each(aws: Aws, webchat_api: Any, context: LambdaContext) -> None:
    english = call(webchat_api, context, chat_event("GET", "/chat/i18n/en"))[2]
    spanish = call(webchat_api, context, chat_event("GET", "/chat/i18n/es"))[2]
    assert set(english) == set(spanish) and spanish["send"] == "Enviar"
    # The widget's words are the `widget` domain of the one catalog: a third language is only its folder.
    vietnamese = call(webchat_api, context, chat_event("GET", "/chat/i18n/vi"))[2]
    assert set(vietnamese) == set(english) and vietnamese["send"] == "Gửi" and vietnamese["lang"] == "vi"
    assert call(webchat_api, context, chat_event("GET", "/chat/i18n/xx"))[0] == 404


def test_continue_by_text_only_to_the_agencys_countries_and_within_the_public_text_limits(
    aws: Aws, webchat_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    from switchboard.public_texts import PER_CLIENT

    tokens = []
    for n in range(PER_CLIENT.max_count + 2):
        token = start(webchat_api, context)
        body = {"body": "hi", "client_id": f"c-{n:04d}-abcdef"}
        call(webchat_api, context, chat_event("POST", "/chat/messages", body, token))
        tokens.append(token)
    inbound_consumer.handler(aws.sqs_event("InboundQueue"), context)

    # A number abroad is refused (TEXT_COUNTRY_CODES = 1), and counts nothing
    abroad = {"phone": "+44 20 7946 0958", "continue_by_text": True}
    assert call(webchat_api, context, chat_event("POST", "/chat/contact", abroad, tokens[0]))[0] == 400
    # From one address, only so many numbers may be texted in an hour: then 429, and no text_to is set
    statuses = []
    for n, token in enumerate(tokens):
        contact = {"phone": f"+1555555{n:04d}", "continue_by_text": True}
        status, headers, body = call(
            webchat_api, context, chat_event("POST", "/chat/contact", contact, token)
        )
        statuses.append(status)
        if status == 429:
            assert body["error"] == "rate_limited" and int(headers["Retry-After"]) > 0
    assert statuses == [200] * PER_CLIENT.max_count + [429] * 2
    threads = [i for i in aws.items() if i["sk"] == "META" and i["pk"].startswith("THREAD#")]
    assert sum(1 for t in threads if t.get("text_to")) == PER_CLIENT.max_count
