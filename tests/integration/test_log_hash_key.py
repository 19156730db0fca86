"""The key of the keyed digests comes from Secrets Manager in the cloud: read once per container, so every
container of a deployment (sharing the secret) names a resident and counts an IP address the same way."""

from __future__ import annotations

import hashlib
import hmac

import boto3
import pytest
from botocore.exceptions import ClientError
from switchboard.log_hash import LOG_HASH_SECRET_ARN_ENV, keyed_digest, log_hash_key
from switchboard.observability import redact_address

from tests.integration.conftest import REGION, Aws

NUMBER = "+12025550143"


def test_the_key_is_the_secret_read_once_per_container(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = boto3.client("secretsmanager", region_name=REGION)
    arn = secrets.create_secret(Name="switchboard-log-hash-key", SecretString="k" * 64)["ARN"]
    monkeypatch.setenv(LOG_HASH_SECRET_ARN_ENV, arn)
    log_hash_key.cache_clear()

    # A container's first digest reads the secret
    assert redact_address(NUMBER) == hmac.new(b"k" * 64, NUMBER.encode(), hashlib.sha256).hexdigest()[:12]
    # and keeps the key: a later change of the secret (or Secrets Manager being unreachable) changes nothing
    secrets.put_secret_value(SecretId=arn, SecretString="rotated" * 9)
    assert redact_address(NUMBER) == hmac.new(b"k" * 64, NUMBER.encode(), hashlib.sha256).hexdigest()[:12]

    # A container started after the rotation uses the new key
    log_hash_key.cache_clear()
    assert (
        keyed_digest(NUMBER, 12) == hmac.new(b"rotated" * 9, NUMBER.encode(), hashlib.sha256).hexdigest()[:12]
    )


def test_a_key_that_cannot_be_read_fails_loudly(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    """No silent per-container key in the cloud: rate-limit counters would stop counting together."""
    monkeypatch.setenv(LOG_HASH_SECRET_ARN_ENV, "switchboard-no-such-secret")
    log_hash_key.cache_clear()
    with pytest.raises(ClientError, match="ResourceNotFound"):
        redact_address(NUMBER)
