"""The real twilio Client, aimed at TWILIO_API_BASE_URL through its HTTP client, not by patching code."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter
from switchboard.twilio_client import (
    BaseUrlTwilioHttpClient,
    build_http_client,
    build_twilio_client,
    rewrite_twilio_url,
)
from switchboard.twilio_credentials import TwilioCredentials, TwilioSecretError, parse_twilio_secret
from twilio.http.http_client import TwilioHttpClient

ACCOUNT = TwilioCredentials("AC" + "1" * 32, "token")


@pytest.mark.parametrize(
    "url, expected",
    [
        (
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?x=1",
            "http://127.0.0.1:8788/2010-04-01/Accounts/AC1/Messages.json?x=1",
        ),
        ("https://messaging.twilio.com/v1/Services", "http://127.0.0.1:8788/v1/Services"),
        ("https://api.twilio.com.evil.example/x", "https://api.twilio.com.evil.example/x"),
        ("https://example.org/x", "https://example.org/x"),
        ("http://api.twilio.com/x", "http://api.twilio.com/x"),
    ],
)
def test_only_twilio_https_urls_are_rewritten(url: str, expected: str) -> None:
    assert rewrite_twilio_url(url, "http://127.0.0.1:8788") == expected
    assert rewrite_twilio_url(url, None) == url


class Recorder(BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.urls.append(request.url or "")
        response = requests.Response()
        response.status_code = 201
        response._content = json.dumps({"sid": "SM1", "status": "queued"}).encode()
        response.request = request
        return response

    def close(self) -> None:
        pass


def test_sdk_requests_go_to_the_base_url_when_set() -> None:
    http = build_http_client("http://127.0.0.1:8788/")
    recorder = Recorder()
    assert isinstance(http, BaseUrlTwilioHttpClient) and http.session is not None
    http.session.mount("http://", recorder)
    client = build_twilio_client(ACCOUNT, http_client=http)

    message = client.messages.create(to="+15555550123", from_="+15555550100", body="hi")

    assert message.sid == "SM1"
    assert recorder.urls == [f"http://127.0.0.1:8788/2010-04-01/Accounts/{ACCOUNT.account_sid}/Messages.json"]


def test_without_a_base_url_the_sdks_own_client_is_used_with_a_timeout() -> None:
    http = build_http_client(None)

    assert type(http) is TwilioHttpClient and http.timeout == 10.0


@pytest.mark.parametrize(
    "secret",
    [None, [], {}, {"account_sid": "XX1", "auth_token": "t"}, {"account_sid": "AC1", "auth_token": ""}],
)
def test_a_malformed_secret_is_refused(secret: object) -> None:
    with pytest.raises(TwilioSecretError):
        parse_twilio_secret(secret)


def test_credentials_never_show_the_token() -> None:
    assert "token" not in repr(parse_twilio_secret({"account_sid": "AC1", "auth_token": "token"}))
