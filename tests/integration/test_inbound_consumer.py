"""InboundQueue consumer against moto: each resident message stored once, media copied, failures retried."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import threading
from typing import Any

import boto3
import pytest
from inbox.dal.inbox_table import InboxTable
from inbox.dal.media_store import S3MediaStore
from inbox.integrations.twilio_media import TwilioMediaDownloader
from inbox.logic.inbound_messages import store_incoming_message
from inbox.models.media import MediaDownloadFailed
from inbox.models.queue_messages import InboundEnvelope, IncomingMessage
from requests import PreparedRequest, Response, Session
from requests.adapters import BaseAdapter

from events import SAMPLE_CONFIG, load_event
from tests import photo_samples
from tests.integration.conftest import MEDIA_BUCKET, REGION, TABLE_NAME, Aws, CapturedLogs, LambdaContext
from tests.integration.fakes import FakeMediaSource

SMS_SID = "SM" + "a1" * 16
MMS_SID = "MM" + "b2" * 16
WA_SID = "SM" + "c3" * 16


def batch(*indexes: int) -> dict[str, Any]:
    records = load_event("sqs/inbound_batch.json")["Records"]
    return {"Records": [records[i] for i in indexes]}


def by_kind(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        kind = "message" if item["sk"].startswith("MSG#") else item["pk"].split("#")[0]
        kinds.setdefault(kind, []).append(item)
    return kinds


def test_batch_stores_residents_threads_messages_and_media(
    aws: Aws, inbound_consumer: Any, media: FakeMediaSource, context: LambdaContext
) -> None:
    response = inbound_consumer.handler(load_event("sqs/inbound_batch.json"), context)

    assert response == {"batchItemFailures": []}
    items = by_kind(aws.items())
    assert {i["pk"] for i in items["ADDR"]} == {"ADDR#+15555550123", "ADDR#whatsapp:+15555550124"}
    assert {i["pk"] for i in items["SID"]} == {f"SID#{SMS_SID}", f"SID#{MMS_SID}", f"SID#{WA_SID}"}
    threads = {t["resident"]["address"]: t for t in items["THREAD"] if t["sk"] == "META"}
    sms_thread = threads["+15555550123"]
    assert sms_thread["unread"] == 2  # the SMS and the MMS share the resident's one thread
    assert sms_thread["channel"] == "sms"
    assert sms_thread["last_direction"] == "in"
    assert sms_thread["last_message_preview"] == "Pothole photos, corner of 3rd & Main"
    assert sms_thread["agency_address"] == "+15555550100"
    assert sms_thread["gsi1pk"] == "THREADS"
    assert sms_thread["gsi1sk"] == f"2026-11-24T10:15:01.340000Z#{sms_thread['thread_id']}"
    wa_thread = threads["whatsapp:+15555550124"]
    assert wa_thread["channel"] == "whatsapp" and wa_thread["resident"]["channel"] == "whatsapp"
    assert wa_thread["agency_address"] == "whatsapp:+15555550100"

    mms = next(m for m in items["message"] if m["twilio_sid"] == MMS_SID)
    assert mms["media"] == [
        {"media_id": f"{MMS_SID}-0", "content_type": "image/jpeg"},
        {"media_id": f"{MMS_SID}-1", "content_type": "image/png"},
    ]
    assert mms["direction"] == "in" and mms["author"] == "resident" and mms["status"] == "received"
    keys = sorted(o["Key"] for o in aws.s3.list_objects_v2(Bucket=MEDIA_BUCKET)["Contents"])
    tid = sms_thread["thread_id"]
    assert keys == [f"media/{tid}/{MMS_SID}/0", f"media/{tid}/{MMS_SID}/1"]
    stored = aws.s3.get_object(Bucket=MEDIA_BUCKET, Key=keys[1])
    assert stored["ContentType"] == "image/png"
    # The picture carried Exif + GPS, XMP, ICC, a comment and a trailer: it is stored re-encoded, without any.
    photo = stored["Body"].read()
    assert photo.startswith(b"\x89PNG") and photo != photo_samples.png_with_everything()
    assert [marker for marker in photo_samples.LEAK_MARKERS if marker in photo] == []


def test_redelivered_record_stores_nothing_twice(
    aws: Aws, inbound_consumer: Any, media: FakeMediaSource, context: LambdaContext
) -> None:
    for _ in range(5):
        assert inbound_consumer.handler(batch(1), context) == {"batchItemFailures": []}

    items = by_kind(aws.items())
    assert len(items["message"]) == 1
    [thread] = items["THREAD"]
    assert thread["unread"] == 1
    assert len(media.urls) == 2  # later deliveries stop at the SID check, before any download


def test_five_concurrent_deliveries_store_one_message(
    aws: Aws, atomic_moto: None, media: FakeMediaSource
) -> None:
    # Given the same MMS from a first-time resident, delivered to five "containers" at once
    record = batch(1)["Records"][0]
    incoming = IncomingMessage.from_envelope(InboundEnvelope.model_validate_json(record["body"]))
    barrier = threading.Barrier(5)
    outcomes: list[Any] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        session = boto3.session.Session(region_name=REGION)  # one client set per container, as in Lambda
        store = InboxTable(session.resource("dynamodb").Table(TABLE_NAME))
        archive = S3MediaStore(session.client("s3"), MEDIA_BUCKET)
        barrier.wait()
        try:
            outcomes.append(
                store_incoming_message(incoming, store=store, archive=archive, media_source=media)
            )
        except BaseException as error:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then one delivery stored it, the others saw a duplicate, and the thread counts one unread message
    assert errors == []
    assert sorted(o.duplicate for o in outcomes) == [False, True, True, True, True]
    items = by_kind(aws.items())
    assert len(items["message"]) == 1
    assert len(items["ADDR"]) == 1
    [thread] = items["THREAD"]
    assert thread["unread"] == 1
    assert len(aws.s3.list_objects_v2(Bucket=MEDIA_BUCKET)["Contents"]) == 2


def test_record_that_keeps_failing_is_reported_for_retry_and_others_go_on(
    aws: Aws, inbound_consumer: Any, media: FakeMediaSource, context: LambdaContext, logs: CapturedLogs
) -> None:
    # Given Twilio's media host failing, the MMS cannot be stored; the WhatsApp message is another resident's
    media.fail_with = MediaDownloadFailed("Twilio media answered 503")
    event = batch(1, 2)
    mms_record_id = event["Records"][0]["messageId"]

    for _ in range(5):  # what SQS does before moving it to the DLQ
        response = inbound_consumer.handler(event, context)
        assert response == {"batchItemFailures": [{"itemIdentifier": mms_record_id}]}

    items = by_kind(aws.items())
    assert [m["twilio_sid"] for m in items["message"]] == [WA_SID]
    assert f"SID#{MMS_SID}" not in {i["pk"] for i in items["SID"]}
    failures = [r for r in logs.records() if r["message"].startswith("Record failed")]
    assert failures and all(r["error_type"] == "MediaDownloadFailed" for r in failures)
    assert "+15555550123" not in logs.text()


def test_records_after_a_failure_in_the_same_group_wait_their_turn(
    aws: Aws, inbound_consumer: Any, media: FakeMediaSource, context: LambdaContext
) -> None:
    # The MMS fails; the SMS after it is the same resident's, so FIFO order holds it back too
    media.fail_with = MediaDownloadFailed("503")
    event = batch(1, 0)

    response = inbound_consumer.handler(event, context)

    assert [f["itemIdentifier"] for f in response["batchItemFailures"]] == [
        r["messageId"] for r in event["Records"]
    ]
    assert "message" not in by_kind(aws.items())


def test_malformed_record_is_reported_not_stored(
    aws: Aws, inbound_consumer: Any, context: LambdaContext
) -> None:
    event = batch(0)
    event["Records"][0]["body"] = json.dumps({"kind": "twilio.inbound", "params": {"From": "+15555550123"}})

    response = inbound_consumer.handler(event, context)

    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert aws.items() == []


class TwilioMediaHost(BaseAdapter):
    """A requests transport standing in for api.twilio.com's media URLs."""

    def __init__(self, served: dict[str, tuple[str, bytes]] | None = None) -> None:
        super().__init__()
        self.requests: list[PreparedRequest] = []
        # media sid -> (Content-Type, bytes); any other media is an iPhone's HEIC
        self.served = served or {}

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:  # type: ignore[override]
        self.requests.append(request)
        content_type, content = self.served.get(
            (request.url or "").rsplit("/", 1)[-1], ("image/heic", photo_samples.heic_with_everything())
        )
        response = Response()
        response.status_code = 200
        response.headers["Content-Type"] = content_type
        response.raw = io.BytesIO(content)
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def _download_from(host: TwilioMediaHost, inbound_consumer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    session = Session()
    session.mount("https://", host)
    wired = inbound_consumer.dependencies

    def with_session() -> Any:
        deps = wired()
        downloader = TwilioMediaDownloader(deps.media_source._credentials, None, session=session)
        return dataclasses.replace(deps, media_source=downloader)

    monkeypatch.setattr(inbound_consumer, "dependencies", with_session)


def test_media_is_downloaded_from_twilio_with_the_account_credentials_from_the_secret(
    aws: Aws, inbound_consumer: Any, monkeypatch: pytest.MonkeyPatch, context: LambdaContext
) -> None:
    host = TwilioMediaHost()
    _download_from(host, inbound_consumer, monkeypatch)

    assert inbound_consumer.handler(batch(1), context) == {"batchItemFailures": []}

    account_path = f"https://api.twilio.com/2010-04-01/Accounts/{SAMPLE_CONFIG['account_sid']}"
    assert [r.url for r in host.requests] == [
        f"{account_path}/Messages/{MMS_SID}/Media/ME{c * 32}" for c in "12"
    ]
    expected = base64.b64encode(
        f"{SAMPLE_CONFIG['account_sid']}:{SAMPLE_CONFIG['auth_token']}".encode()
    ).decode()
    assert all(r.headers["Authorization"] == f"Basic {expected}" for r in host.requests)


def test_the_consumer_runs_the_registered_steps_in_the_documented_order(
    aws: Aws, inbound_consumer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/architecture.md draws this order: a capability is one step plus one line in app/pipelines/."""
    # The callbacks' step is registered when the stack has the callback workflow (as deployed).
    monkeypatch.setenv("CALLBACK_STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:cb")
    pipeline = inbound_consumer.inbound_pipeline(inbound_consumer.dependencies())
    assert [(c.name, c.order) for c in pipeline.contracts] == [
        ("store", 100),
        ("consent_keywords", 200),
        ("signup_confirmation", 300),
        ("service_request_intake", 304),
        ("feedback_rating", 305),
        ("callback_keywords", 310),
        ("reminder_keywords", 320),
        ("revocation_flag", 390),
        ("triage", 500),
        ("alert_reply_link", 600),
        ("webchat_contact", 650),
        ("automatic_handling", 680),
        ("routing", 700),
        ("translation", 750),
        ("reports", 780),
    ]
    claimers = [c.name for c in pipeline.contracts if c.may_claim]
    assert claimers == [
        "consent_keywords",
        "signup_confirmation",
        "service_request_intake",
        "feedback_rating",
        "callback_keywords",
        "reminder_keywords",
    ]
    # The keyword flows whose answer is all a resident asked for (issue 16, item 5): registered claimers. A
    # 311 report is not one of them: it is for staff (and its free text may carry a crisis triage raises).
    from app.pipelines.inbound import AUTOMATIC_KEYWORD_FLOWS

    assert set(claimers) - AUTOMATIC_KEYWORD_FLOWS == {"service_request_intake"}
    always = [c.name for c in pipeline.contracts if not c.skip_when_claimed]
    assert always == [
        "store",
        "service_request_intake",
        "alert_reply_link",
        "webchat_contact",
        "automatic_handling",
        "routing",
        "reports",
    ]
    assert {c.name: c.still_read_by for c in pipeline.contracts if c.still_read_by} == {
        "service_request_intake": ("triage", "translation")
    }


def test_mms_images_are_stored_re_encoded_and_other_media_as_they_are(
    aws: Aws, inbound_consumer: Any, monkeypatch: pytest.MonkeyPatch, context: LambdaContext
) -> None:
    # Given an MMS whose first media is an iPhone HEIC carrying GPS (the webhook sample declares image/jpeg)
    # and whose second is a video, which is no image to re-encode
    video = b"\x00\x00\x00\x18ftypmp42 video bytes GPS Exif"
    host = TwilioMediaHost({"ME" + "2" * 32: ("video/mp4", video)})
    _download_from(host, inbound_consumer, monkeypatch)
    event = batch(1)
    envelope = json.loads(event["Records"][0]["body"])
    envelope["params"]["MediaContentType1"] = "video/mp4"
    event["Records"][0]["body"] = json.dumps(envelope)

    assert inbound_consumer.handler(event, context) == {"batchItemFailures": []}

    # Then the photo is stored as a JPEG a browser can show, with none of the HEIC's metadata
    mms = next(m for m in by_kind(aws.items())["message"] if m["twilio_sid"] == MMS_SID)
    assert mms["media"][0] == {"media_id": f"{MMS_SID}-0", "content_type": "image/jpeg"}
    [photo_key, video_key] = sorted(o["Key"] for o in aws.s3.list_objects_v2(Bucket=MEDIA_BUCKET)["Contents"])
    photo = aws.s3.get_object(Bucket=MEDIA_BUCKET, Key=photo_key)
    assert photo["ContentType"] == "image/jpeg"
    content = photo["Body"].read()
    assert content.startswith(b"\xff\xd8\xff")
    assert [marker for marker in photo_samples.LEAK_MARKERS if marker in content] == []
    # And the video is byte for byte what Twilio served, under the type the webhook declared
    stored_video = aws.s3.get_object(Bucket=MEDIA_BUCKET, Key=video_key)
    assert stored_video["Body"].read() == video and stored_video["ContentType"] == "video/mp4"


def test_an_image_that_does_not_decode_is_skipped_and_the_message_kept(
    aws: Aws,
    inbound_consumer: Any,
    monkeypatch: pytest.MonkeyPatch,
    context: LambdaContext,
    logs: CapturedLogs,
) -> None:
    garbled = photo_samples.JPEG[:300]
    bomb = photo_samples.png_claiming(20_000, 20_000)
    host = TwilioMediaHost({"ME" + "1" * 32: ("image/jpeg", garbled), "ME" + "2" * 32: ("image/png", bomb)})
    _download_from(host, inbound_consumer, monkeypatch)

    assert inbound_consumer.handler(batch(1), context) == {"batchItemFailures": []}

    mms = next(m for m in by_kind(aws.items())["message"] if m["twilio_sid"] == MMS_SID)
    assert mms["media"] == [] and mms["body"]
    assert "Contents" not in aws.s3.list_objects_v2(Bucket=MEDIA_BUCKET)
    skipped = [r for r in logs.records() if r.get("message") == "Inbound media skipped"]
    assert [r["reason"] for r in skipped] == ["ImageNotReencoded", "ImageNotReencoded"]
