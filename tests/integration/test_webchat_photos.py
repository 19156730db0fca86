"""Web chat photos against moto: the presigned POST's policy, the upload straight to S3, the check that links
a photo (type from the bytes, size, location removed), the inbound consumer copying it into the thread like
MMS media, the agent's media route and the widget's own-photo route; and every refusal.

moto accepts a presigned POST without enforcing its policy (size, Content-Type, key: measured, see
docs/decisions.md 19), so these tests read the signed policy itself and show that the server-side check
catches what S3 would have refused.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import requests
from PIL import Image

from tests import photo_samples as samples
from tests.integration.conftest import MEDIA_BUCKET, Aws, LambdaContext
from tests.integration.test_agent_api import api_event
from tests.integration.test_webchat_api import CLAIMS, call, chat_event, sqs_event, start

MAX = 4 * 1024 * 1024


def grant(webchat_api: Any, context: LambdaContext, token: str, content_type: str, size: int) -> Any:
    body = {"content_type": content_type, "size": size}
    return call(webchat_api, context, chat_event("POST", "/chat/uploads", body, token))


def upload(granted: dict[str, Any], content: bytes, filename: str = "photo.jpg") -> int:
    """What the widget does: a multipart form POST of the signed fields and the file, straight to S3."""
    content_type = granted["fields"]["Content-Type"]
    response = requests.post(
        granted["url"], data=granted["fields"], files={"file": (filename, content, content_type)}, timeout=10
    )
    return response.status_code


def send(webchat_api: Any, context: LambdaContext, token: str, upload_id: str, n: int = 1) -> Any:
    message = {"body": "Flooding on Elm St", "client_id": f"c-photo-{n:04d}", "upload_id": upload_id}
    return call(webchat_api, context, chat_event("POST", "/chat/messages", message, token))


def objects(aws: Aws) -> list[str]:
    return sorted(o["Key"] for o in aws.s3.list_objects_v2(Bucket=MEDIA_BUCKET).get("Contents", []))


def test_the_presigned_post_is_limited_to_one_key_one_type_and_the_size_limit(
    aws: Aws, webchat_api: Any, context: LambdaContext
) -> None:
    token = start(webchat_api, context)
    session_id = token.split(".")[1]
    status, headers, granted = grant(webchat_api, context, token, "image/jpeg", 2000)
    assert status == 201, granted
    assert headers["Access-Control-Allow-Origin"] == "https://www.county.example"
    assert granted["max_bytes"] == MAX and granted["expires_in"] == 300
    key = f"uploads/{session_id}/{granted['upload_id']}"
    assert granted["fields"]["key"] == key
    policy = json.loads(base64.b64decode(granted["fields"]["policy"]))
    conditions = policy["conditions"]
    assert {"bucket": MEDIA_BUCKET} in conditions and {"key": key} in conditions
    assert {"Content-Type": "image/jpeg"} in conditions
    assert ["content-length-range", 1, MAX] in conditions
    assert "expiration" in policy


def test_declared_types_and_sizes_outside_the_limits_get_no_upload(
    aws: Aws, webchat_api: Any, context: LambdaContext
) -> None:
    token = start(webchat_api, context)
    assert grant(webchat_api, context, token, "text/html", 100)[:1] == (400,)
    assert grant(webchat_api, context, token, "image/svg+xml", 100)[0] == 400
    status, _, body = grant(webchat_api, context, token, "image/jpeg", MAX + 1)
    assert (status, body["reason"]) == (413, "size")
    assert call(
        webchat_api, context, chat_event("POST", "/chat/uploads", {"content_type": "image/png"}, token)
    )[0] in (400, 422)
    assert grant(webchat_api, context, None, "image/png", 100)[0] == 401  # type: ignore[arg-type]


def test_uploads_are_rate_limited_per_session(aws: Aws, webchat_api: Any, context: LambdaContext) -> None:
    token = start(webchat_api, context)
    statuses = [grant(webchat_api, context, token, "image/png", 100)[0] for _ in range(11)]
    assert statuses == [201] * 10 + [429]


def test_a_photo_reaches_the_agent_without_its_location_and_the_resident_sees_their_own(
    aws: Aws, webchat_api: Any, inbound_consumer: Any, agent_api: Any, context: LambdaContext
) -> None:
    token = start(webchat_api, context)
    session_id = token.split(".")[1]
    # The client says PNG; the bytes are a phone's JPEG (Exif with GPS, XMP, ICC, a comment, a second image
    # with its own GPS, data after the end marker): the type comes from the bytes
    dirty = samples.jpeg_with_everything(orientation=6)
    _, _, granted = grant(webchat_api, context, token, "image/png", len(dirty))
    assert upload(granted, dirty, "flood.png") == 204
    status, _, accepted = send(webchat_api, context, token, granted["upload_id"])
    assert status == 202, accepted
    # The raw upload is gone; the checked copy is where only the chat API writes
    assert objects(aws) == [f"webchat/{session_id}/{granted['upload_id']}"]
    # A retried POST (same client_id) is the same message and needs no second check
    assert send(webchat_api, context, token, granted["upload_id"])[2] == accepted

    [queued] = aws.queue_messages("InboundQueue")
    params = json.loads(queued["Body"])["params"]
    assert params["NumMedia"] == "1" and params["MediaContentType0"] == "image/jpeg"
    assert params["MediaUrl0"] == "webchat-upload:" + granted["upload_id"]

    assert inbound_consumer.handler(sqs_event(aws, "InboundQueue"), context) == {"batchItemFailures": []}
    [thread] = [i for i in aws.items() if i["sk"] == "META"]
    [message] = [i for i in aws.items() if i["sk"].startswith("MSG#")]
    media_id = f"{accepted['sid']}-0"
    assert message["media"] == [{"media_id": media_id, "content_type": "image/jpeg"}]
    stored_key = f"media/{thread['thread_id']}/{accepted['sid']}/0"
    assert stored_key in objects(aws)
    head = aws.s3.head_object(Bucket=MEDIA_BUCKET, Key=stored_key)
    assert head["ContentType"] == "image/jpeg"

    # The agent sees it through the authenticated media route, without the location
    event = api_event("GET", f"/api/threads/{thread['thread_id']}/media/{media_id}", claims=CLAIMS)
    response = agent_api.handler(event, context)
    assert response["statusCode"] == 200 and response["headers"]["Content-Type"] == "image/jpeg"
    photo = base64.b64decode(response["body"])
    assert [marker for marker in samples.LEAK_MARKERS if marker in photo] == []
    shown = Image.open(io.BytesIO(photo))
    assert shown.size == (32, 48) and len(shown.getexif()) == 0  # turned upright, no Exif left to say so

    # The widget lists the photo with the message and fetches it with the session token
    _, _, updates = call(webchat_api, context, chat_event("GET", "/chat/messages", token=token))
    assert updates["messages"][0]["media"] == [{"media_id": media_id, "content_type": "image/jpeg"}]
    response = webchat_api.handler(chat_event("GET", f"/chat/media/{media_id}", token=token), context)
    assert response["statusCode"] == 200 and base64.b64decode(response["body"]) == photo
    assert response["headers"]["Access-Control-Allow-Origin"] == "https://www.county.example"
    # Another resident's session cannot read it
    other = start(webchat_api, context)
    assert call(webchat_api, context, chat_event("GET", f"/chat/media/{media_id}", token=other))[0] == 404


def test_a_heic_photo_reaches_the_agent_as_a_jpeg_without_its_metadata(
    aws: Aws, webchat_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    token = start(webchat_api, context)
    heic = samples.heic_with_everything()
    _, _, granted = grant(webchat_api, context, token, "image/heic", len(heic))
    assert upload(granted, heic, "IMG_0001.HEIC") == 204
    status, _, accepted = send(webchat_api, context, token, granted["upload_id"])
    assert status == 202, accepted

    [queued] = aws.queue_messages("InboundQueue")
    assert json.loads(queued["Body"])["params"]["MediaContentType0"] == "image/jpeg"
    assert inbound_consumer.handler(sqs_event(aws, "InboundQueue"), context) == {"batchItemFailures": []}
    [message] = [i for i in aws.items() if i["sk"].startswith("MSG#")]
    [media] = message["media"]
    assert media["content_type"] == "image/jpeg"
    [key] = [k for k in objects(aws) if k.startswith("media/")]
    stored = aws.s3.get_object(Bucket=MEDIA_BUCKET, Key=key)
    photo = stored["Body"].read()
    assert stored["ContentType"] == "image/jpeg" and photo.startswith(b"\xff\xd8\xff")
    assert [marker for marker in samples.LEAK_MARKERS if marker in photo] == []


def test_a_decompression_bomb_is_refused_with_a_clear_message(
    aws: Aws, webchat_api: Any, context: LambdaContext
) -> None:
    token = start(webchat_api, context)
    bomb = samples.png_claiming(20_000, 20_000)  # 400 megapixels in under 200 bytes
    _, _, granted = grant(webchat_api, context, token, "image/png", len(bomb))
    assert upload(granted, bomb, "flood.png") == 204
    status, _, body = send(webchat_api, context, token, granted["upload_id"])
    assert (status, body["reason"]) == (413, "pixels")
    assert body["message"] == "That photo is too large: the limit is 25 megapixels."
    assert objects(aws) == [] and aws.queue_messages("InboundQueue") == []


def test_a_file_disguised_as_a_photo_is_refused_and_deleted(
    aws: Aws, webchat_api: Any, context: LambdaContext
) -> None:
    token = start(webchat_api, context)
    _, _, granted = grant(webchat_api, context, token, "image/jpeg", len(samples.DISGUISED_HTML))
    # The browser sends an HTML page named photo.jpg with Content-Type image/jpeg: S3 accepts it (the
    # policy only binds the declared type)
    assert upload(granted, samples.DISGUISED_HTML, "photo.jpg") == 204
    status, _, body = send(webchat_api, context, token, granted["upload_id"])
    assert (status, body["reason"]) == (400, "type")
    assert body["message"] == "Only photos can be sent: JPEG, PNG, WebP or HEIC."
    assert objects(aws) == []  # deleted, never linked
    assert aws.queue_messages("InboundQueue") == []  # nothing stored for an agent


def test_an_oversize_upload_is_refused_even_when_s3_let_it_through(
    aws: Aws, webchat_api: Any, context: LambdaContext
) -> None:
    token = start(webchat_api, context)
    _, _, granted = grant(webchat_api, context, token, "image/jpeg", 1000)
    # S3 enforces content-length-range; moto does not, so the bytes arrive here and the check must refuse
    assert upload(granted, samples.JPEG + b"\x00" * MAX) == 204
    status, _, body = send(webchat_api, context, token, granted["upload_id"])
    assert (status, body["reason"]) == (413, "size")
    assert objects(aws) == [] and aws.queue_messages("InboundQueue") == []


def test_a_photo_never_uploaded_or_of_another_session_is_refused(
    aws: Aws, webchat_api: Any, context: LambdaContext
) -> None:
    token = start(webchat_api, context)
    _, _, granted = grant(webchat_api, context, token, "image/png", 1000)
    status, _, body = send(webchat_api, context, token, granted["upload_id"])
    assert (status, body["reason"]) == (400, "missing")
    # Another session uploads; this session names that upload: it is not found under this session
    other = start(webchat_api, context)
    _, _, theirs = grant(webchat_api, context, other, "image/png", 1000)
    assert upload(theirs, samples.PNG) == 204
    assert send(webchat_api, context, token, theirs["upload_id"], n=2)[0] == 400


def test_the_consumer_takes_a_webchat_photo_only_from_its_own_session(
    aws: Aws, webchat_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    """A queue message naming another session's checked photo stores the text without the photo."""
    victim = start(webchat_api, context)
    _, _, granted = grant(webchat_api, context, victim, "image/png", 1000)
    upload(granted, samples.PNG)
    assert send(webchat_api, context, victim, granted["upload_id"])[0] == 202
    body = json.loads(aws.queue_messages("InboundQueue")[0]["Body"])
    aws.sqs.purge_queue(QueueUrl=aws.queue_urls["InboundQueue"])
    body["params"].update(From="webchat:" + "x" * 22, MessageSid="WC" + "f" * 32)
    aws.sqs.send_message(
        QueueUrl=aws.queue_urls["InboundQueue"],
        MessageBody=json.dumps(body),
        MessageGroupId="g",
        MessageDeduplicationId="d",
    )
    assert inbound_consumer.handler(sqs_event(aws, "InboundQueue"), context) == {"batchItemFailures": []}
    [message] = [i for i in aws.items() if i["sk"].startswith("MSG#")]
    assert message["media"] == [] and message["body"] == "Flooding on Elm St"
