"""The provider the functions use: Amazon Translate over an ordinary boto3 client (locally the stack points
`AWS_ENDPOINT_URL_TRANSLATE` at its stand-in; this code never knows)."""

from __future__ import annotations

from functools import cache

import boto3
from switchboard.translation import CLIENT_CONFIG, AmazonTranslate


@cache
def _cached_client() -> AmazonTranslate:
    # The name the local stack clears between two stacks in one process (infra/local/stack.py).
    return AmazonTranslate(boto3.client("translate", config=CLIENT_CONFIG))


def amazon_translate() -> AmazonTranslate:
    return _cached_client()
