"""Webhook fields too long for a queue message, kept whole in the media bucket under `oversize/`."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any


class S3OversizeStore:
    """Builds its S3 client at the first oversize post: the webhook's usual path never pays for it."""

    def __init__(self, make_client: Callable[[], Any], bucket: str) -> None:
        self._make_client = make_client
        self._bucket = bucket

    @cached_property
    def _s3(self) -> Any:
        return self._make_client()

    def put(self, key: str, content: bytes) -> None:
        # The bucket's default encryption (KMS) applies; nothing about the resident goes into metadata.
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=content, ContentType="application/json")
