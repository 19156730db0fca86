"""Every HTTP API function refuses a body over its documented cap with 413 before it reads it: nothing
stored, nothing queued, and the log names the route and the sizes, never the body (see "Size caps")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from switchboard.body_caps import (
    AGENT_API_BODY_BYTES,
    CHAT_BODY_BYTES,
    SIGNUP_BODY_BYTES,
    STAFF_BODY_BYTES,
)

from events import load_event
from tests.integration.conftest import Aws, CapturedLogs, LambdaContext

SECRET_WORDS = "Resident-private words "
REPLY_PATH = "/api/threads/0f1e2d3c4b5a69788796a5b4c3d2e1f0/messages"


def post(route_key: str, path: str, size: int) -> dict[str, Any]:
    """A POST on `path` whose JSON body is `size` bytes long (a message of private words)."""
    event = load_event("apigw/api_reply.json")
    padding = size - len(json.dumps({"body": ""}))
    body = json.dumps({"body": (SECRET_WORDS * (padding // len(SECRET_WORDS) + 1))[:padding]})
    event.update(routeKey=route_key, rawPath=path, body=body, isBase64Encoded=False)
    event["requestContext"]["http"]["path"] = path
    return event


CASES = [
    ("signup_api", "POST /api/public/signup", "/api/public/signup", SIGNUP_BODY_BYTES),
    ("webchat_api", "ANY /chat/{proxy+}", "/chat/messages", CHAT_BODY_BYTES),
    (
        "agent_api",
        "ANY /api/{proxy+}",
        REPLY_PATH,
        AGENT_API_BODY_BYTES,
    ),
    ("alerts_api", "ANY /api/alerts", "/api/alerts", STAFF_BODY_BYTES),
    ("staff_admin", "ANY /api/admin/{proxy+}", "/api/admin/staff", STAFF_BODY_BYTES),
]


@pytest.mark.parametrize(("fixture", "route_key", "path", "cap"), CASES, ids=[c[0] for c in CASES])
def test_a_body_one_byte_over_the_cap_is_refused_before_anything_happens(
    fixture: str,
    route_key: str,
    path: str,
    cap: int,
    request: pytest.FixtureRequest,
    aws: Aws,
    context: LambdaContext,
    logs: CapturedLogs,
) -> None:
    handler = request.getfixturevalue(fixture)
    before = aws.items()

    response = handler.handler(post(route_key, path, cap + 1), context)

    assert response["statusCode"] == 413
    assert json.loads(response["body"]) == {
        "error": "body_too_large",
        "message": "request body too large",
        "max_bytes": cap,
    }
    assert aws.items() == before
    assert all(aws.queue_messages(queue) == [] for queue in aws.queue_urls)
    [refused] = [r for r in logs.records() if r["message"] == "Request body over the cap"]
    assert (refused["route"], refused["body_bytes"], refused["max_bytes"]) == (route_key, cap + 1, cap)
    assert "Resident-private" not in logs.text()


def test_a_body_at_the_cap_reaches_the_handler(aws: Aws, signup_api: Any, context: LambdaContext) -> None:
    # Exactly at the cap the request goes on to the route (whose validation refuses this body with 400).
    response = signup_api.handler(
        post("POST /api/public/signup", "/api/public/signup", SIGNUP_BODY_BYTES), context
    )

    assert response["statusCode"] == 400
