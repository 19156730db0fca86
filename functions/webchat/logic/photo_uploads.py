"""A resident's photo: permission to upload one (a presigned S3 POST), then the check that links it.

1. `POST /chat/uploads {content_type, size}`: an accepted type and size (as declared) earn a presigned POST
   for one key, limited by S3 to that Content-Type and 1 B..4 MiB. Counted against the session's and
   the address's upload limits.
2. The browser POSTs the file to S3.
3. `POST /chat/messages {upload_id, body?}`: before anything is queued, the object is read back (never more
   than the limit), its type taken from its bytes (the declared one is ignored), re-encoded from its pixels
   alone (no metadata survives; HEIC becomes JPEG), and the clean copy written where only this function
   writes. A file that is not what it claims is deleted and the message refused with 400; nothing of it
   reaches an agent.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from switchboard.observability import logger, metrics

from webchat.dal.uploads import POST_EXPIRES_S, UploadMissing
from webchat.logic import rate_limits
from webchat.logic.photos import MAX_PHOTO_BYTES, PHOTO_TYPES, NotAPhoto, clean_photo
from webchat.models.chat import UploadGranted, UploadRequest

# A resident reporting a flooded street sends a few photos, not dozens.
SESSION_UPLOADS = rate_limits.Limit("session-upload", 10, 600)
ADDRESS_UPLOADS = rate_limits.Limit("addr-upload", 40, 600)


class PhotoRefused(ValueError):
    """`reason`: type (not an accepted image), size (over the limit or empty), pixels (more than
    switchboard.images.MAX_PIXELS: a decompression bomb or a very large photo), missing (never uploaded)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"photo refused: {reason}")
        self.reason = reason


class PhotoStore(Protocol):
    def presigned_post(self, session_id: str, upload_id: str, content_type: str) -> dict[str, object]: ...

    def read_upload(self, session_id: str, upload_id: str) -> bytes: ...

    def discard_upload(self, session_id: str, upload_id: str) -> None: ...

    def has_checked(self, session_id: str, upload_id: str) -> str | None: ...

    def put_checked(self, session_id: str, upload_id: str, content_type: str, content: bytes) -> None: ...


def new_upload_id() -> str:
    return secrets.token_urlsafe(18)


def grant_upload(
    photos: PhotoStore,
    counters: rate_limits.Counters,
    session_id: str,
    request: UploadRequest,
    *,
    source_ip: str,
    now: int,
    make_id: Callable[[], str] = new_upload_id,
) -> UploadGranted:
    content_type = request.content_type.split(";")[0].strip().lower()
    if content_type == "image/heif":
        content_type = "image/heic"
    if content_type not in PHOTO_TYPES:
        raise PhotoRefused("type")
    if request.size > MAX_PHOTO_BYTES:
        raise PhotoRefused("size")
    rate_limits.check_limit(counters, SESSION_UPLOADS, session_id, now)
    rate_limits.check_limit(counters, ADDRESS_UPLOADS, source_ip, now)
    upload_id = make_id()
    post = photos.presigned_post(session_id, upload_id, content_type)
    metrics.add_metric(name="WebChatUploadGranted", unit=MetricUnit.Count, value=1)
    return UploadGranted(
        upload_id=upload_id,
        url=str(post["url"]),
        fields={str(k): str(v) for k, v in dict(post["fields"]).items()},  # type: ignore[call-overload]
        max_bytes=MAX_PHOTO_BYTES,
        expires_in=POST_EXPIRES_S,
    )


def check_photo(photos: PhotoStore, session_id: str, upload_id: str) -> str:
    """The photo's real type, once its clean copy is stored; PhotoRefused otherwise. Idempotent: a retried
    message finds the clean copy already there."""
    checked = photos.has_checked(session_id, upload_id)
    if checked:
        return checked
    try:
        content = photos.read_upload(session_id, upload_id)
    except UploadMissing:
        raise PhotoRefused("missing") from None
    try:
        content_type, clean = clean_photo(content)
    except NotAPhoto as error:
        photos.discard_upload(session_id, upload_id)
        reason = str(error) if str(error) in ("size", "pixels") else "type"
        logger.info("Web chat photo refused", extra={"reason": str(error), "bytes": len(content)})
        metrics.add_metric(name="WebChatPhotoRefused", unit=MetricUnit.Count, value=1)
        raise PhotoRefused(reason) from None
    photos.put_checked(session_id, upload_id, content_type, clean)
    photos.discard_upload(session_id, upload_id)
    logger.info(
        "Web chat photo checked",
        extra={"content_type": content_type, "bytes": len(clean), "removed_bytes": len(content) - len(clean)},
    )
    metrics.add_metric(name="WebChatPhotoChecked", unit=MetricUnit.Count, value=1)
    return content_type
