"""A report's photos, filed under the request: a copy of the thread's stored photo (already re-encoded from
the pixels alone when it arrived: no Exif, GPS or trailer survives) under `requests/{id}/{n}`, the only prefix
the Open311 function may sign links to."""

from __future__ import annotations

from typing import Any, Protocol

from botocore.exceptions import ClientError
from inbox.dal.media_store import media_key
from switchboard.dynamodb import error_code


class S3PhotoFiler:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def file(self, thread_id: str, photo: str, request_id: str, number: int) -> str | None:
        sid, _, index = photo.partition("/")
        if not index.isdigit():
            return None
        key = f"requests/{request_id}/{number}"
        try:
            self._s3.copy_object(
                Bucket=self._bucket,
                Key=key,
                CopySource={"Bucket": self._bucket, "Key": media_key(thread_id, sid, int(index))},
                MetadataDirective="COPY",
            )
        except ClientError as error:
            if error_code(error) in ("NoSuchKey", "404"):
                return None  # not stored (too big, not an image): the request goes without it
            raise
        return key


SERVED_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


class PhotoReader(Protocol):
    def read(self, key: str) -> tuple[bytes, str] | None:
        """A request's photo and its content type, or None when it is not there."""


class S3PhotoReader:
    """Reads a request's filed photo (under requests/ only) to serve it behind a signed link."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def read(self, key: str) -> tuple[bytes, str] | None:
        if not key.startswith("requests/") or not self._bucket:
            return None
        try:
            found = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if error_code(error) in ("NoSuchKey", "404"):
                return None
            raise
        content_type = str(found.get("ContentType") or "")
        if content_type not in SERVED_TYPES:
            return None  # only what the re-encoder writes; nothing a browser could run
        return found["Body"].read(), content_type
