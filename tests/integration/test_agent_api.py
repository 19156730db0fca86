"""The agent API against moto, driven by real-shaped HTTP API events with JWT claims."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from events import load_event
from tests.integration.conftest import MEDIA_BUCKET, Aws, LambdaContext
from tests.integration.fakes import FakeMediaSource
from tests.integration.seed import THREAD_ID, seed_conversation

MMS_SID = "MM" + "b2" * 16
AGENT_SUB = "7c1e4b2a-90d1-4c55-8f3e-2b6d9a0e1f23"


def api_event(
    method: str,
    path: str,
    query: dict[str, str] | None = None,
    body: Any = None,
    claims: dict[str, Any] | None = None,
) -> dict[str, Any]:
    event = load_event("apigw/api_reply.json" if method == "POST" else "apigw/api_threads.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["pathParameters"] = {"proxy": path.removeprefix("/api/")}
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in (query or {}).items())
    event["queryStringParameters"] = query or None
    if body is not None:
        event["body"] = body if isinstance(body, str) else json.dumps(body)
    if claims is not None:
        event["requestContext"]["authorizer"]["jwt"]["claims"] = claims
    return event


def call(agent_api: Any, context: LambdaContext, event: dict[str, Any]) -> tuple[int, Any]:
    response = agent_api.handler(event, context)
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        return response["statusCode"], base64.b64decode(body)
    return response["statusCode"], json.loads(body) if body else None


@pytest.fixture
def inbox(aws: Aws, inbound_consumer: Any, media: FakeMediaSource, context: LambdaContext) -> dict[str, str]:
    """Two residents' threads, stored by the inbound consumer from the sample batch; thread ids by address."""
    assert inbound_consumer.handler(load_event("sqs/inbound_batch.json"), context) == {
        "batchItemFailures": []
    }
    threads = [i for i in aws.items() if i["sk"] == "META"]
    return {t["resident"]["address"]: t["thread_id"] for t in threads}


def test_me_reports_the_agent_from_the_jwt_claims(aws: Aws, agent_api: Any, context: LambdaContext) -> None:
    status, body = call(agent_api, context, load_event("apigw/api_me.json"))

    assert status == 200
    assert body == {"sub": AGENT_SUB, "email": "agent@demo.switchboard.local", "groups": ["agent", "admin"]}


def test_groups_may_also_arrive_as_a_list(aws: Aws, agent_api: Any, context: LambdaContext) -> None:
    claims = {"sub": "abc", "email": "s@example.org", "cognito:groups": ["supervisor"]}

    assert call(agent_api, context, api_event("GET", "/api/me", claims=claims))[1]["groups"] == ["supervisor"]


def test_requests_without_claims_are_unauthenticated(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    event = load_event("apigw/api_threads.json")
    del event["requestContext"]["authorizer"]

    assert call(agent_api, context, event)[0] == 401


def test_threads_are_listed_newest_activity_first_and_paged_with_an_opaque_cursor(
    inbox: dict[str, str], agent_api: Any, context: LambdaContext
) -> None:
    status, everything = call(agent_api, context, load_event("apigw/api_threads.json"))
    assert status == 200
    assert [t["resident"]["address"] for t in everything["threads"]] == [
        "whatsapp:+15555550124",
        "+15555550123",
    ]
    assert everything["next_cursor"] is None
    sms_thread = everything["threads"][1]
    assert set(sms_thread) == {
        "thread_id",
        "resident",
        "channel",
        "status",
        "last_activity_at",
        "last_message_preview",
        "last_direction",
        "unread",
        "created_at",
        "consent_flag",
        # the workspace (issue 3)
        "assignee",
        "department_id",
        "labels",
        "snoozed_until",
        "resident_name",
        # urgency (issue 17)
        "triage_level",
        "triage_reasons",
        "triage_override",
    }
    assert sms_thread["consent_flag"] is None
    assert (sms_thread["unread"], sms_thread["status"], sms_thread["channel"]) == (2, "open", "sms")

    _, first = call(agent_api, context, api_event("GET", "/api/threads", {"limit": "1"}))
    _, second = call(
        agent_api, context, api_event("GET", "/api/threads", {"limit": "1", "cursor": first["next_cursor"]})
    )

    assert [t["thread_id"] for t in first["threads"] + second["threads"]] == [
        t["thread_id"] for t in everything["threads"]
    ]
    if second["next_cursor"]:  # DynamoDB may hand back a key for an empty last page
        _, third = call(
            agent_api, context, api_event("GET", "/api/threads", {"cursor": second["next_cursor"]})
        )
        assert third["threads"] == []


@pytest.mark.parametrize(
    "cursor", ["not-base64!", base64.urlsafe_b64encode(b'{"pk":"THREAD#x"}').decode(), "e30"]
)
def test_a_forged_cursor_is_a_bad_request(
    cursor: str, aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    assert call(agent_api, context, api_event("GET", "/api/threads", {"cursor": cursor}))[0] == 400


@pytest.mark.parametrize("limit", ["0", "101", "many"])
def test_an_out_of_range_limit_is_rejected_by_validation(
    limit: str, aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    assert call(agent_api, context, api_event("GET", "/api/threads", {"limit": limit}))[0] == 422


def test_opening_a_thread_shows_its_messages_oldest_first_and_marks_it_read(
    inbox: dict[str, str], aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    thread_id = inbox["+15555550123"]

    status, body = call(agent_api, context, api_event("GET", f"/api/threads/{thread_id}"))

    assert status == 200
    assert body["thread"]["unread"] == 0
    assert [m["twilio_sid"] for m in body["messages"]] == ["SM" + "a1" * 16, MMS_SID]
    assert body["messages"][1]["media"] == [
        {"media_id": f"{MMS_SID}-0", "content_type": "image/jpeg"},
        {"media_id": f"{MMS_SID}-1", "content_type": "image/png"},
    ]
    assert body["next_cursor"] is None
    stored = aws.table.get_item(Key={"pk": f"THREAD#{thread_id}", "sk": "META"})["Item"]
    assert stored["unread"] == 0


def test_older_messages_are_reached_through_the_cursor(
    inbox: dict[str, str], agent_api: Any, context: LambdaContext
) -> None:
    path = f"/api/threads/{inbox['+15555550123']}"

    _, newest = call(agent_api, context, api_event("GET", path, {"limit": "1"}))
    _, older = call(
        agent_api, context, api_event("GET", path, {"limit": "1", "cursor": newest["next_cursor"]})
    )

    assert [m["twilio_sid"] for m in newest["messages"]] == [MMS_SID]
    assert [m["twilio_sid"] for m in older["messages"]] == ["SM" + "a1" * 16]


def test_a_cursor_from_another_thread_is_refused(
    inbox: dict[str, str], agent_api: Any, context: LambdaContext
) -> None:
    _, page = call(
        agent_api, context, api_event("GET", f"/api/threads/{inbox['+15555550123']}", {"limit": "1"})
    )
    other = f"/api/threads/{inbox['whatsapp:+15555550124']}"

    assert call(agent_api, context, api_event("GET", other, {"cursor": page["next_cursor"]}))[0] == 400


@pytest.mark.parametrize("thread_id", ["0" * 32, "..%2F..", "x" * 65])
def test_unknown_thread_is_not_found(
    thread_id: str, aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    assert call(agent_api, context, api_event("GET", f"/api/threads/{thread_id}"))[0] == 404
    assert (
        call(
            agent_api, context, api_event("POST", f"/api/threads/{thread_id}/messages", body={"body": "hi"})
        )[0]
        == 404
    )


def test_reply_is_stored_as_accepted_and_queued_for_the_sender(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    seed_conversation(aws.table)

    status, body = call(agent_api, context, load_event("apigw/api_reply.json"))

    assert status == 202
    message = body["message"]
    assert message["direction"] == "out" and message["status"] == "accepted"
    assert message["author"] == AGENT_SUB
    assert message["body"] == "Thanks for letting us know. A crew will check the light on Elm St tomorrow."
    assert message["twilio_sid"] is None and message["error_code"] is None and message["media"] == []
    [queued] = aws.queue_messages("OutboundQueue")
    job = json.loads(queued["Body"])
    assert job == {
        "kind": "reply",
        "thread_id": THREAD_ID,
        "message_id": message["message_id"],
        "message_sk": f"MSG#{message['created_at']}#{message['message_id']}",
        "category": "conversational",  # an answer to a resident who wrote in: no consent check at send time
    }
    assert queued["Attributes"]["MessageGroupId"] == THREAD_ID
    assert queued["Attributes"]["MessageDeduplicationId"] == message["message_id"]
    thread = aws.table.get_item(Key={"pk": f"THREAD#{THREAD_ID}", "sk": "META"})["Item"]
    assert thread["last_direction"] == "out"
    assert thread["last_message_preview"] == message["body"]
    assert thread["last_activity_at"] == message["created_at"]
    assert thread["gsi1sk"] == f"{message['created_at']}#{THREAD_ID}"


class DynamoCalls:
    """The agent API's DynamoDB calls, by operation and the key or condition they name."""

    def __init__(self, agent_api: Any) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self._events = agent_api.dependencies().table.meta.client.meta.events
        self._events.register("before-call.dynamodb", self._record, unique_id="test-agent-api-calls")

    def _record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.seen.append((model.name, json.loads(params.get("body") or b"{}")))

    def close(self) -> None:
        self._events.unregister("before-call.dynamodb", unique_id="test-agent-api-calls")

    def named(self, operation: str) -> list[dict[str, Any]]:
        return [body for name, body in self.seen if name == operation]


def test_a_reply_reads_its_thread_once_and_claims_only_an_unowned_thread(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    # Given an unassigned thread
    seed_conversation(aws.table)
    calls = DynamoCalls(agent_api)
    try:
        # When the agent replies twice
        assert call(agent_api, context, load_event("apigw/api_reply.json"))[0] == 202
        first = list(calls.seen)
        assert call(agent_api, context, load_event("apigw/api_reply.json"))[0] == 202
        second = calls.seen[len(first) :]
    finally:
        calls.close()

    def thread_reads(seen: list[tuple[str, dict[str, Any]]]) -> list[str]:
        meta = {"S": "META"}
        return [name for name, body in seen if name == "GetItem" and body.get("Key", {}).get("sk") == meta]

    def claims(seen: list[tuple[str, dict[str, Any]]]) -> int:
        return sum(
            "attribute_not_exists(#assignee)" in body.get("ConditionExpression", "") for _, body in seen
        )

    # Then the gate, the reply and the report count share one read of the thread (with its report state),
    # the first reply claims the thread, and the owner's second reply makes no claim at all
    assert thread_reads(first) == [] and thread_reads(second) == ["GetItem"]  # the count, after the write
    assert [len(b["RequestItems"][aws.table.name]["Keys"]) for b in calls.named("BatchGetItem")[:2]] == [2, 2]
    assert claims(first) == 1 and claims(second) == 0
    thread = aws.table.get_item(Key={"pk": f"THREAD#{THREAD_ID}", "sk": "META"})["Item"]
    assert thread["assignee"] == AGENT_SUB
    actions = sorted(str(i["action"]) for i in aws.items() if str(i["pk"]).startswith("AUDIT#"))
    assert actions == ["thread.assign", "thread.reply", "thread.reply"]


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"body": ""}, 422),
        ({"body": "   "}, 422),
        ({"body": "x" * 1601}, 422),
        ({"body": "x" * 1600}, 202),
        ({}, 422),
        ("not json", 422),
        ({"body": "hi", "to": "+15555550999"}, 422),
    ],
    ids=["empty", "blank", "too-long", "longest", "missing", "not-json", "extra-field"],
)
def test_reply_body_must_be_1_to_1600_characters(
    body: Any, expected: int, aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    seed_conversation(aws.table)

    status, _ = call(agent_api, context, api_event("POST", f"/api/threads/{THREAD_ID}/messages", body=body))

    assert status == expected
    assert len(aws.queue_messages("OutboundQueue")) == (1 if expected == 202 else 0)


def test_media_is_served_as_bytes_with_its_content_type(
    inbox: dict[str, str], agent_api: Any, context: LambdaContext
) -> None:
    thread_id = inbox["+15555550123"]
    event = load_event("apigw/api_media.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/api/threads/{thread_id}/media/{MMS_SID}-0"

    response = agent_api.handler(event, context)

    assert response["statusCode"] == 200
    assert response["isBase64Encoded"] is True
    assert response["headers"]["Content-Type"] == "image/jpeg"
    assert response["headers"]["X-Content-Type-Options"] == "nosniff"
    served = base64.b64decode(response["body"])
    assert served.startswith(b"\xff\xd8\xff") and b"Exif" not in served  # the re-encoded copy


def test_media_a_browser_could_run_is_served_as_an_opaque_download(
    inbox: dict[str, str], aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    thread_id = inbox["+15555550123"]
    aws.s3.put_object(
        Bucket=MEDIA_BUCKET, Key=f"media/{thread_id}/{MMS_SID}/1", Body=b"<script>", ContentType="text/html"
    )

    response = agent_api.handler(api_event("GET", f"/api/threads/{thread_id}/media/{MMS_SID}-1"), context)

    assert response["headers"]["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("media_id", [f"{MMS_SID}-7", "nope", "..%2F..%2Fsecret-0"])
def test_unknown_media_is_not_found(
    media_id: str, inbox: dict[str, str], agent_api: Any, context: LambdaContext
) -> None:
    path = f"/api/threads/{inbox['+15555550123']}/media/{media_id}"

    assert call(agent_api, context, api_event("GET", path))[0] == 404
