"""311 intake by web chat with a photo (issue 21 items 2, 3 and 7): the widget's resident reports graffiti in
the chat, attaches a phone's JPEG (GPS, Exif, data after the end marker), and reads "Request #1001 created";
the request is a web chat one, linked to the thread, its photo re-encoded without any of that metadata, and
its job is on the Open311 client's queue."""

from __future__ import annotations

import json
from typing import Any

from servicerequests.dal.requests_table import RequestsTable

from tests import photo_samples as samples
from tests.integration.conftest import MEDIA_BUCKET, Aws, LambdaContext
from tests.integration.test_service_request_intake import seed
from tests.integration.test_webchat_api import call, chat_event, start
from tests.integration.test_webchat_photos import grant, upload


def say(webchat_api: Any, context: LambdaContext, token: str, n: int, **message: str) -> None:
    body = {"body": message.get("body", ""), "client_id": f"c-report-{n:04d}"}
    if "upload_id" in message:
        body["upload_id"] = message["upload_id"]
    status, _, accepted = call(webchat_api, context, chat_event("POST", "/chat/messages", body, token))
    assert status == 202, accepted


def test_a_resident_reports_graffiti_in_the_web_chat_with_a_photo(
    aws: Aws, agent_api: Any, webchat_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    seed(agent_api, context)
    token = start(webchat_api, context)
    turns: list[dict[str, str]] = [
        {"body": "REPORT"},
        {"body": "1"},
        {"body": "120 Elm Street"},
        {"body": "SKIP"},
    ]
    dirty = samples.jpeg_with_everything(orientation=6)
    _, _, granted = grant(webchat_api, context, token, "image/jpeg", len(dirty))
    assert upload(granted, dirty, "wall.jpg") == 204
    turns.append({"body": "the wall", "upload_id": granted["upload_id"]})
    for n, turn in enumerate(turns, start=1):
        say(webchat_api, context, token, n, **turn)
        assert inbound_consumer.handler(aws.sqs_event("InboundQueue"), context) == {"batchItemFailures": []}

    _, _, updates = call(webchat_api, context, chat_event("GET", "/chat/messages", token=token))
    answers = [m["body"] for m in updates["messages"] if m.get("direction") == "out"]
    assert answers[-1] == (
        "Switchboard: Request #1001 created (Graffiti). We will text you when its status changes."
    ), answers

    record = RequestsTable(aws.table).get("1001")
    assert record is not None and record.source == "webchat" and record.thread_id
    assert record.resident and record.resident.startswith("webchat:")
    assert record.media_keys == ["requests/1001/0"]
    photo = aws.s3.get_object(Bucket=MEDIA_BUCKET, Key="requests/1001/0")["Body"].read()
    assert photo[:2] == b"\xff\xd8" and [m for m in samples.LEAK_MARKERS if m in photo] == []
    jobs = [json.loads(m["Body"]) for m in aws.queue_messages("CityForwardQueue")]
    assert jobs == [{"kind": "servicerequests.forward", "request_id": "1001"}]
