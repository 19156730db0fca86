"""A report's photos on their way to the city (issue 21 item 3): an iPhone's HEIC and a phone's JPEG (Exif
with GPS, XMP, ICC, a comment, and a second image and text after the first image's end marker) sent by MMS are
filed under the request re-encoded with none of that left; the city's POST carries the first as `media_url`, a
signed link that expires in 30 days; the link serves the photo, and a link for another photo, a changed
signature or a past expiry gets 403."""

from __future__ import annotations

import base64
import io
import json
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
from PIL import Image
from servicerequests.dal.requests_table import RequestsTable
from servicerequests.logic.media_links import CITY_LINK_SECONDS, MediaLinks

from infra.local.open311_city import LocalCity
from tests import photo_samples as samples
from tests.integration.conftest import MEDIA_BUCKET, REGION, SECRET_NAME, Aws, LambdaContext
from tests.integration.fakes import FakeMediaSource
from tests.integration.test_agent_api import api_event
from tests.integration.test_open311_client import city, link, receive
from tests.integration.test_service_request_intake import replies, seed, text

_ = city  # the local city endpoint fixture, used by name
MEDIA = "https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME"


def get_photo(open311_api: Any, context: LambdaContext, url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    event = api_event("GET", parts.path, query={k: v[0] for k, v in parse_qs(parts.query).items()})
    event.pop("pathParameters", None)
    event["requestContext"].pop("authorizer", None)
    response: dict[str, Any] = open311_api.handler(event, context)
    return response


def assert_clean_jpeg(photo: bytes) -> None:
    assert photo[:2] == b"\xff\xd8" and photo.endswith(b"\xff\xd9")
    assert [marker for marker in samples.LEAK_MARKERS if marker in photo] == []
    assert photo.count(b"\xff\xd8\xff") == 1  # one image: nothing after the end marker
    image = Image.open(io.BytesIO(photo))
    assert image.format == "JPEG" and not image.getexif() and "icc_profile" not in image.info


def test_photos_reach_the_city_as_a_signed_expiring_link_to_a_clean_copy(
    aws: Aws,
    agent_api: Any,
    inbound_consumer: Any,
    media: FakeMediaSource,
    city_forward: Any,
    open311_api: Any,
    context: LambdaContext,
    city: LocalCity,
) -> None:
    # Given a city linked, and a resident reporting graffiti with a JPEG and a HEIC in one MMS
    seed(agent_api, context)
    link(agent_api, context, city)
    for n, body in enumerate(["REPORT", "1", "120 Elm Street", "SKIP"], start=1):
        text(inbound_consumer, context, body, n)
    text(
        inbound_consumer,
        context,
        "",
        5,
        NumMedia="2",
        MediaUrl0=MEDIA + "1" * 32,
        MediaContentType0="image/jpeg",
        MediaUrl1=MEDIA + "3" * 32,
        MediaContentType1="image/heic",
    )
    assert replies(aws)[-1].startswith("Switchboard: Request #1001 created (Graffiti).")

    # Then both photos are filed re-encoded, with no metadata and nothing after the end marker
    record = RequestsTable(aws.table).get("1001")
    assert record is not None and record.media_keys == ["requests/1001/0", "requests/1001/1"]
    filed = [aws.s3.get_object(Bucket=MEDIA_BUCKET, Key=key)["Body"].read() for key in record.media_keys]
    for photo in filed:
        assert_clean_jpeg(photo)

    # When the forwarder POSTs it to the city
    before = int(time.time())
    assert city_forward.handler(receive(aws), context) == {"batchItemFailures": []}
    [form] = city.received
    media_url = dict(form)["media_url"]

    # Then media_url is a signed link to the first photo, good for 30 days
    parts = urlsplit(media_url)
    assert parts.path == "/open311/v2/media/1001/0"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert before + CITY_LINK_SECONDS <= int(query["expires"]) <= int(time.time()) + CITY_LINK_SECONDS
    served = get_photo(open311_api, context, media_url)
    assert served["statusCode"] == 200 and served["isBase64Encoded"] is True
    assert served["headers"]["Content-Type"] == "image/jpeg"
    assert base64.b64decode(served["body"]) == filed[0]

    # A signature for photo 0 does not open photo 1; a changed signature or a past expiry opens nothing
    other = media_url.replace("/media/1001/0?", "/media/1001/1?")
    assert get_photo(open311_api, context, other)["statusCode"] == 403
    forged = media_url[:-4] + ("0000" if not media_url.endswith("0000") else "1111")
    assert get_photo(open311_api, context, forged)["statusCode"] == 403
    secret = boto3.client("secretsmanager", region_name=REGION).get_secret_value(SecretId=SECRET_NAME)
    key = str(secret["SecretString"]).encode()
    base = f"{parts.scheme}://{parts.netloc}"
    expired = MediaLinks(key, base).link("1001", 1, now=int(time.time()) - 7200, seconds=3600)
    assert get_photo(open311_api, context, expired)["statusCode"] == 403
    fresh = MediaLinks(key, base).link("1001", 1, now=int(time.time()), seconds=3600)
    assert base64.b64decode(get_photo(open311_api, context, fresh)["body"]) == filed[1]
    missing = MediaLinks(key, base).link("1001", 2, now=int(time.time()), seconds=3600)
    assert get_photo(open311_api, context, missing)["statusCode"] == 404

    # The Open311 server's own answer links the same way
    event = api_event("GET", "/open311/v2/requests/1001.json")
    event.pop("pathParameters", None)
    event["requestContext"].pop("authorizer", None)
    listed = json.loads(open311_api.handler(event, context)["body"])
    assert urlsplit(listed[0]["media_url"]).path == "/open311/v2/media/1001/0"
    assert base64.b64decode(get_photo(open311_api, context, listed[0]["media_url"])["body"]) == filed[0]
