"""MMS media: ids as the agent API names them, and what downloading and reading one yields."""

from __future__ import annotations

import re
from dataclasses import dataclass

# media_id = "{MessageSid}-{index}": checked before it becomes part of an S3 key.
_MEDIA_ID = re.compile(r"^(?P<sid>[A-Za-z0-9]{2,64})-(?P<index>\d{1,2})$")


@dataclass(frozen=True)
class MediaBlob:
    content: bytes
    content_type: str
    reencoded: bool = False  # an image already written from its pixels alone (switchboard.images)


class MediaUnavailable(ValueError):
    """Retrying will not help (refused URL, too large, 4xx): the message is stored without this media."""


class ForbiddenMediaUrl(MediaUnavailable):
    """The URL is not on the Twilio API host under this account: never fetched."""


class MediaTooLarge(MediaUnavailable):
    pass


class ImageNotReencoded(MediaUnavailable):
    """An image that does not decode, or has more pixels than allowed: never stored with its metadata."""


class MediaDownloadFailed(RuntimeError):
    """A transient failure (network, 5xx, 429): retried through SQS."""


def media_id_for(sid: str, index: int) -> str:
    return f"{sid}-{index}"


def parse_media_id(media_id: str) -> tuple[str, int] | None:
    match = _MEDIA_ID.match(media_id)
    return (match["sid"], int(match["index"])) if match else None
