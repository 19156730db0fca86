"""The real twilio `Client`, built from the Secrets Manager secret, optionally aimed at another base URL.

`TWILIO_API_BASE_URL` (set by the local stack, empty in the cloud) is honoured by the HTTP client the SDK is
given, so business code calls `client.messages.create(...)` the same way wherever it runs.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from switchboard.twilio_credentials import TwilioCredentials, load_twilio_credentials

TWILIO_API_HOST = "api.twilio.com"
# The SDK waits forever without a timeout; a Lambda must give up well before its own timeout.
DEFAULT_TIMEOUT_SECONDS = 10.0


def is_twilio_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "twilio.com" or host.endswith(".twilio.com")


def rewrite_twilio_url(url: str, base_url: str | None) -> str:
    """Swap the scheme and host of a `https://*.twilio.com/...` URL for `base_url`'s; others are kept."""
    if not base_url:
        return url
    parts = urlsplit(url)
    if parts.scheme != "https" or not is_twilio_host(parts.hostname or ""):
        return url
    base = urlsplit(base_url)
    return urlunsplit(
        (base.scheme, base.netloc, base.path.rstrip("/") + parts.path, parts.query, parts.fragment)
    )


class BaseUrlTwilioHttpClient(TwilioHttpClient):
    """The SDK's own HTTP client, sending what it addresses to *.twilio.com to `base_url` instead."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    def request(  # type: ignore[override]
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
        return super().request(
            method,
            rewrite_twilio_url(url, self.base_url),
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


def build_http_client(api_base_url: str | None, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> HttpClient:
    if api_base_url:
        return BaseUrlTwilioHttpClient(api_base_url, timeout=timeout)
    return TwilioHttpClient(timeout=timeout)


def build_twilio_client(
    credentials: TwilioCredentials,
    *,
    api_base_url: str | None = None,
    http_client: HttpClient | None = None,
) -> Client:
    """A real SDK client; pass `http_client` to replace the transport (tests use an in-memory one)."""
    return Client(
        credentials.account_sid,
        credentials.auth_token,
        http_client=http_client or build_http_client(api_base_url),
    )


@lru_cache(maxsize=4)
def _cached_client(credentials: TwilioCredentials, api_base_url: str | None) -> Client:
    return build_twilio_client(credentials, api_base_url=api_base_url)


def twilio_client_from_secret(secret_arn: str, api_base_url: str | None = None) -> Client:
    """One client per credentials: the secret is re-read every few minutes; a new token, a new client."""
    return _cached_client(load_twilio_credentials(secret_arn), api_base_url)
