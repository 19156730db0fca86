"""Media downloads go to Twilio's API host under this account only, with the account's credentials."""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
from inbox.integrations.twilio_media import MAX_MEDIA_BYTES, TwilioMediaDownloader, allowed_media_url
from inbox.models.media import ForbiddenMediaUrl, MediaDownloadFailed, MediaTooLarge, MediaUnavailable
from requests.adapters import BaseAdapter
from switchboard.twilio_credentials import TwilioCredentials

ACCOUNT = TwilioCredentials("AC" + "1" * 32, "token")
MEDIA = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT.account_sid}/Messages/MM1/Media/ME1"


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/2010-04-01/Accounts/AC11111111111111111111111111111111/Messages/MM1/Media/ME1",
        "http://api.twilio.com/2010-04-01/Accounts/AC11111111111111111111111111111111/Media/ME1",
        "https://api.twilio.com:8443/2010-04-01/Accounts/AC11111111111111111111111111111111/Media/ME1",
        "https://api.twilio.com.evil.example/2010-04-01/Accounts/AC11111111111111111111111111111111/Media/ME1",
        "https://user:pw@api.twilio.com/2010-04-01/Accounts/AC11111111111111111111111111111111/Media/ME1",
        "https://api.twilio.com/2010-04-01/Accounts/AC99999999999999999999999999999999/Messages/MM1/Media/ME1",
        "https://api.twilio.com/2010-04-01/Accounts/AC11111111111111111111111111111111/../../x",
        "https://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
    ],
)
def test_anything_but_this_accounts_media_on_the_api_host_is_refused(url: str) -> None:
    with pytest.raises(ForbiddenMediaUrl):
        allowed_media_url(url, ACCOUNT.account_sid, None)


def test_twilio_media_url_is_allowed() -> None:
    assert allowed_media_url(MEDIA, ACCOUNT.account_sid, None) == MEDIA


def test_with_a_base_url_twilio_urls_are_rewritten_and_only_that_host_is_allowed() -> None:
    base = "http://127.0.0.1:8788"
    local = MEDIA.replace("https://api.twilio.com", base)

    assert allowed_media_url(MEDIA, ACCOUNT.account_sid, base) == local
    assert allowed_media_url(local, ACCOUNT.account_sid, base) == local
    with pytest.raises(ForbiddenMediaUrl):
        allowed_media_url(local.replace("8788", "5055"), ACCOUNT.account_sid, base)


class MediaHost(BaseAdapter):
    def __init__(self, status: int = 200, body: bytes = b"jpeg", error: Exception | None = None) -> None:
        super().__init__()
        self.status, self.body, self.error = status, body, error
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.requests.append(request)
        if self.error:
            raise self.error
        response = requests.Response()
        response.status_code = self.status
        response.headers["Content-Type"] = "image/jpeg; charset=binary"
        response.raw = io.BytesIO(self.body)
        response.request = request
        response.url = request.url or ""
        return response

    def close(self) -> None:
        pass


def downloader(host: MediaHost) -> TwilioMediaDownloader:
    session = requests.Session()
    session.mount("https://", host)
    session.mount("http://", host)
    return TwilioMediaDownloader(lambda: ACCOUNT, None, session=session)


def test_download_uses_basic_auth_and_returns_bytes_and_type() -> None:
    host = MediaHost(body=b"\xff\xd8jpeg")

    media = downloader(host).download(MEDIA)

    assert (media.content, media.content_type) == (b"\xff\xd8jpeg", "image/jpeg")
    assert host.requests[0].headers["Authorization"].startswith("Basic ")


def test_refused_url_is_never_requested() -> None:
    host = MediaHost()

    with pytest.raises(ForbiddenMediaUrl):
        downloader(host).download("https://evil.example/x")
    assert host.requests == []


@pytest.mark.parametrize(
    "host, error",
    [
        (MediaHost(status=404), MediaUnavailable),
        (MediaHost(status=429), MediaDownloadFailed),
        (MediaHost(status=503), MediaDownloadFailed),
        (MediaHost(status=401), MediaDownloadFailed),
        (MediaHost(error=requests.ConnectionError("down")), MediaDownloadFailed),
        (MediaHost(body=b"x" * (MAX_MEDIA_BYTES + 1)), MediaTooLarge),
    ],
    ids=["404", "429", "503", "401", "network", "too-large"],
)
def test_failures_are_sorted_into_retry_and_skip(host: MediaHost, error: type[Exception]) -> None:
    with pytest.raises(error):
        downloader(host).download(MEDIA)
