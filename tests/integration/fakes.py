"""In-memory stand-ins for what the functions reach over the network: Twilio's API and media host."""

from __future__ import annotations

import json
import threading
from typing import Any

from inbox.models.media import MediaBlob
from twilio.http import HttpClient
from twilio.http.response import Response

from tests import photo_samples


class FakeMediaSource:
    """Stands in for Twilio's media host: returns a phone's JPEG (Exif with GPS, XMP, ICC, a comment, a second
    image, a trailer: tests.photo_samples; a PNG as laden for URLs ending 222…, a HEIC for 333…), or fails as
    told."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.fail_with = fail_with
        self.urls: list[str] = []
        self._lock = threading.Lock()

    def download(self, url: str) -> MediaBlob:
        with self._lock:
            self.urls.append(url)
        if self.fail_with:
            raise self.fail_with
        if url.endswith("2" * 32):  # the sample MMS's second media, declared image/png
            return MediaBlob(content=photo_samples.png_with_everything(), content_type="image/png")
        if url.endswith("3" * 32):  # an iPhone's HEIC (Exif with GPS, XMP, ICC)
            return MediaBlob(content=photo_samples.heic_with_everything(), content_type="image/heic")
        return MediaBlob(content=photo_samples.jpeg_with_everything(), content_type="image/jpeg")


class FakeTwilioHttpClient(HttpClient):
    """The transport under the real twilio `Client`: records each request and answers from a script.

    `answers` holds (status, JSON body) pairs, used in order; the last one repeats.
    """

    def __init__(self, *answers: tuple[int, dict[str, Any]]) -> None:
        super().__init__(logger=None, is_async=False)  # type: ignore[arg-type]
        self.answers = list(answers) or [(201, {})]
        self.requests: list[dict[str, Any]] = []

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        self.requests.append({"method": method, "url": url, "data": dict(data or {}), "auth": auth})
        status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if status == 201:
            body = message_resource(dict(data or {}), **body)
        return Response(status, json.dumps(body))


def message_resource(data: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """What Twilio answers to POST .../Messages.json."""
    resource = {
        "account_sid": "AC0123456789abcdef0123456789abcdef",
        "api_version": "2010-04-01",
        "body": data.get("Body"),
        "date_created": "Tue, 24 Nov 2026 10:16:41 +0000",
        "date_sent": None,
        "date_updated": "Tue, 24 Nov 2026 10:16:41 +0000",
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": data.get("From"),
        "messaging_service_sid": data.get("MessagingServiceSid"),
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": "SM" + "d4" * 16,
        "status": "queued" if "From" in data else "accepted",
        "subresource_uris": {},
        "to": data.get("To"),
        "uri": "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/SMd4.json",
    }
    resource.update(overrides)
    return resource


def twilio_error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
