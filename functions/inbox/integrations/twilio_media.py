"""Downloads MMS media from Twilio with the account's credentials, and from nowhere else.

A webhook's MediaUrl is input: fetching any URL it names with our credentials would be SSRF (and would hand
the auth token to whoever runs that host). Only the Twilio API host, or TWILIO_API_BASE_URL's host when set,
under this account's path, is fetched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from switchboard.twilio_credentials import TwilioCredentials

from inbox.models.media import (
    ForbiddenMediaUrl,
    MediaBlob,
    MediaDownloadFailed,
    MediaTooLarge,
    MediaUnavailable,
)

if TYPE_CHECKING:
    import requests

# requests and the Twilio SDK (switchboard.twilio_client) are imported on the first message with media, not at
# the inbound consumer's cold start: most messages carry none.

# Twilio caps MMS at 5 MB and WhatsApp media at 16 MB.
MAX_MEDIA_BYTES = 16 * 1024 * 1024
TIMEOUT_SECONDS = (5.0, 20.0)


def allowed_media_url(url: str, account_sid: str, api_base_url: str | None) -> str:
    """The URL to fetch (rewritten to `api_base_url` when set), or ForbiddenMediaUrl."""
    from switchboard.twilio_client import TWILIO_API_HOST, rewrite_twilio_url

    parts = urlsplit(url)
    if api_base_url and (parts.hostname or "").lower() == TWILIO_API_HOST:
        parts = urlsplit(rewrite_twilio_url(url, api_base_url))
    if api_base_url:
        base = urlsplit(api_base_url)
        allowed = (base.scheme, (base.hostname or "").lower(), base.port)
    else:
        allowed = ("https", TWILIO_API_HOST, None)
    if (
        (parts.scheme, (parts.hostname or "").lower(), parts.port) != allowed
        or parts.username
        or parts.password
    ):
        raise ForbiddenMediaUrl("media URL is not on the Twilio API host")
    if not parts.path.startswith(f"/2010-04-01/Accounts/{account_sid}/") or ".." in parts.path:
        raise ForbiddenMediaUrl("media URL is not under this account")
    return parts.geturl()


class TwilioMediaDownloader:
    def __init__(
        self,
        credentials: Callable[[], TwilioCredentials],
        api_base_url: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        # A callable: the secret is read only when a message has media, and re-read when its cache expires.
        self._credentials = credentials
        self._api_base_url = api_base_url
        self._session = session

    def download(self, url: str) -> MediaBlob:
        import requests

        if self._session is None:
            self._session = requests.Session()
        session = self._session
        account = self._credentials()
        target = allowed_media_url(url, account.account_sid, self._api_base_url)
        try:
            # Twilio redirects to its media CDN; requests drops the Authorization header when a redirect
            # leaves the host, so the token only ever goes to the host checked above.
            with session.get(
                target,
                auth=(account.account_sid, account.auth_token),
                timeout=TIMEOUT_SECONDS,
                stream=True,
                allow_redirects=True,
            ) as response:
                status = response.status_code
                if status == 429 or status >= 500 or status in (401, 403):
                    # 401/403 too: a rotated auth token is picked up on a later try.
                    raise MediaDownloadFailed(f"Twilio media answered {status}")
                if status >= 400:
                    raise MediaUnavailable(f"Twilio media answered {status}")
                content = _read_capped(response)
                content_type = response.headers.get("Content-Type", "application/octet-stream")
        except requests.RequestException as error:
            raise MediaDownloadFailed(type(error).__name__) from None
        return MediaBlob(content=content, content_type=content_type.split(";")[0].strip())


def _read_capped(response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > MAX_MEDIA_BYTES:
            raise MediaTooLarge("media larger than allowed")
        chunks.append(chunk)
    return b"".join(chunks)
