"""MMS media in the media bucket at `media/{thread_id}/{MessageSid}/{index}`: one fixed key per media, so a
retried copy lands on the same object."""

from __future__ import annotations

import re
from typing import Any

from botocore.exceptions import ClientError

from inbox.models.media import MediaBlob

_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MISSING = {"404", "NoSuchKey", "NotFound"}


def media_key(thread_id: str, sid: str, index: int) -> str:
    # Path params reach this function from the agent API: refuse anything that could walk the bucket.
    if not (_SAFE_SEGMENT.match(thread_id) and _SAFE_SEGMENT.match(sid)) or not 0 <= index < 100:
        raise ValueError("unsafe media key")
    return f"media/{thread_id}/{sid}/{index}"


class S3MediaStore:
    def __init__(self, s3_client: Any, bucket: str) -> None:
        self._s3 = s3_client
        self._bucket = bucket

    def has(self, thread_id: str, sid: str, index: int) -> bool:
        try:
            self._s3.head_object(Bucket=self._bucket, Key=media_key(thread_id, sid, index))
            return True
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise

    def put(self, thread_id: str, sid: str, index: int, media: MediaBlob) -> None:
        # The bucket's default encryption (KMS) applies; nothing about the resident goes into metadata.
        self._s3.put_object(
            Bucket=self._bucket,
            Key=media_key(thread_id, sid, index),
            Body=media.content,
            ContentType=media.content_type,
        )

    def get(self, thread_id: str, sid: str, index: int) -> MediaBlob | None:
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=media_key(thread_id, sid, index))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        return MediaBlob(
            content=response["Body"].read(),
            content_type=response.get("ContentType") or "application/octet-stream",
        )
