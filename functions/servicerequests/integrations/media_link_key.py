"""The media-link key (MediaLinkKey, a generated Secrets Manager secret): read once per container, on first
use (no AWS call at import). CityForwardFn and Open311Fn sign the photos' links with it; Open311Fn checks
them. `MEDIA_LINK_KEY` (any text) takes precedence, for a test or a run that needs a fixed key."""

from __future__ import annotations

import os
from functools import cache

import boto3

MEDIA_LINK_KEY_ENV = "MEDIA_LINK_KEY"


@cache
def media_link_key(secret_arn: str) -> bytes:
    fixed = os.environ.get(MEDIA_LINK_KEY_ENV, "")
    if fixed:
        return fixed.encode("utf-8")
    value = boto3.client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
    return str(value).encode("utf-8")
