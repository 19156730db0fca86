"""Web chat photos in the media bucket.

- `uploads/{session_id}/{upload_id}`: what the browser POSTs straight to S3 with a presigned policy (type and
  size limits in the policy). Unverified: the resident can overwrite it until the policy expires, so nothing
  reads it except the check that copies it on.
- `webchat/{session_id}/{upload_id}`: the checked, cleaned photo; only the chat API writes here. The inbound
  consumer copies it to `media/{thread_id}/{sid}/0` like MMS media.
Both prefixes expire after a day (bucket lifecycle); the presigned POST lasts minutes.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from webchat.logic.photos import MAX_PHOTO_BYTES

UPLOAD_PREFIX = "uploads/"
CHECKED_PREFIX = "webchat/"
MEDIA_URL_SCHEME = "webchat-upload:"  # MediaUrl0 of a webchat.inbound envelope
POST_EXPIRES_S = 300
_SAFE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_MISSING = {"404", "NoSuchKey", "NotFound"}


class UploadMissing(LookupError):
    pass


def _key(prefix: str, session_id: str, upload_id: str) -> str:
    if not (_SAFE.match(session_id) and _SAFE.match(upload_id)):
        raise ValueError("unsafe upload key")
    return f"{prefix}{session_id}/{upload_id}"


def upload_key(session_id: str, upload_id: str) -> str:
    return _key(UPLOAD_PREFIX, session_id, upload_id)


def checked_key(session_id: str, upload_id: str) -> str:
    return _key(CHECKED_PREFIX, session_id, upload_id)


def upload_id_of(media_url: str) -> str | None:
    upload_id = media_url.removeprefix(MEDIA_URL_SCHEME) if media_url.startswith(MEDIA_URL_SCHEME) else ""
    return upload_id if _SAFE.match(upload_id) else None


class PhotoUploads:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def presigned_post(self, session_id: str, upload_id: str, content_type: str) -> dict[str, Any]:
        """URL and form fields for one upload: this key only, this Content-Type only, 1 B..MAX_PHOTO_BYTES,
        for POST_EXPIRES_S seconds. S3 refuses anything else (the policy is signed)."""
        post: dict[str, Any] = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=upload_key(session_id, upload_id),
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, MAX_PHOTO_BYTES],
            ],
            ExpiresIn=POST_EXPIRES_S,
        )
        return post

    def read_upload(self, session_id: str, upload_id: str) -> bytes:
        """At most MAX_PHOTO_BYTES + 1 bytes of the uploaded object (more means too large)."""
        try:
            response = self._s3.get_object(
                Bucket=self._bucket,
                Key=upload_key(session_id, upload_id),
                Range=f"bytes=0-{MAX_PHOTO_BYTES}",
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in _MISSING:
                raise UploadMissing(upload_id) from None
            if code == "InvalidRange":  # an empty object has no byte 0
                return b""
            raise
        size = _total_size(response)
        content: bytes = response["Body"].read(MAX_PHOTO_BYTES + 1)
        return content + b"\x00" if size > MAX_PHOTO_BYTES and len(content) <= MAX_PHOTO_BYTES else content

    def discard_upload(self, session_id: str, upload_id: str) -> None:
        self._s3.delete_object(Bucket=self._bucket, Key=upload_key(session_id, upload_id))

    def has_checked(self, session_id: str, upload_id: str) -> str | None:
        """The checked photo's type, if it is there."""
        try:
            head = self._s3.head_object(Bucket=self._bucket, Key=checked_key(session_id, upload_id))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        return str(head.get("ContentType") or "")

    def put_checked(self, session_id: str, upload_id: str, content_type: str, content: bytes) -> None:
        # The bucket's default encryption (KMS) applies, as for MMS media.
        self._s3.put_object(
            Bucket=self._bucket,
            Key=checked_key(session_id, upload_id),
            Body=content,
            ContentType=content_type,
        )

    def read_checked(self, session_id: str, upload_id: str) -> tuple[str, bytes] | None:
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=checked_key(session_id, upload_id))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        return str(response.get("ContentType") or ""), response["Body"].read(MAX_PHOTO_BYTES + 1)


def _total_size(response: dict[str, Any]) -> int:
    content_range = str(response.get("ContentRange") or "")
    if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
        return int(content_range.rsplit("/", 1)[1])
    return int(response.get("ContentLength") or 0)
