"""Signed, expiring links to a request's photos (GeoReport v2 `media_url`), for city systems and civic apps.

A link names the request, the photo's number and when it stops working, and carries an HMAC-SHA256 of those
with the deployment's media-link key: `{base}/open311/v2/media/{request_id}/{number}?expires={unix}&signature=
{hex}`. The Open311 function serves the photo only when the signature matches and the time has not passed, so
a link cannot be made for another photo or kept alive past its expiry; the photo itself is the re-encoded copy
(no Exif, GPS or trailing data) filed under the request.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlencode

MEDIA_PATH = "/open311/v2/media/"
CITY_LINK_SECONDS = 30 * 24 * 3600  # a city's work order may be opened weeks after the POST
READ_LINK_SECONDS = 24 * 3600  # a GET requests.json answer is re-read often: a fresh link each time
MAX_PHOTOS = 20


@dataclass(frozen=True)
class MediaLinks:
    key: bytes
    base_url: str  # PUBLIC_API_URL, without the trailing slash

    def _signature(self, request_id: str, number: int, expires: int) -> str:
        message = f"{request_id}/{number}/{expires}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def link(self, request_id: str, number: int, *, now: int, seconds: int) -> str:
        expires = now + seconds
        query = urlencode({"expires": expires, "signature": self._signature(request_id, number, expires)})
        return f"{self.base_url.rstrip('/')}{MEDIA_PATH}{request_id}/{number}?{query}"

    def valid(
        self, request_id: str, number: int, expires: str | None, signature: str | None, *, now: int
    ) -> bool:
        """True only for an unexpired link this deployment signed for exactly this photo."""
        if not expires or not signature or not expires.isdigit() or len(expires) > 12:
            return False
        if int(expires) < now or not 0 <= number < MAX_PHOTOS:
            return False
        expected = self._signature(request_id, number, int(expires))
        return hmac.compare_digest(expected, signature)
