"""Digests that stand for phone numbers and IP addresses are keyed (HMAC-SHA256): without the key, hashing
every phone number finds nobody; with one key per deployment, every container gives the same digest."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

import pytest
from switchboard import log_hash
from switchboard.log_hash import LOG_HASH_KEY_ENV, LOG_HASH_SECRET_ARN_ENV, keyed_digest
from switchboard.observability import redact_address
from webchat.logic import rate_limits

NUMBER = "+12025550143"


@pytest.fixture
def fresh_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A new container: the key is read again on first use (and forgotten after the test)."""
    monkeypatch.delenv(LOG_HASH_KEY_ENV, raising=False)
    monkeypatch.delenv(LOG_HASH_SECRET_ARN_ENV, raising=False)
    log_hash.log_hash_key.cache_clear()
    yield monkeypatch
    log_hash.log_hash_key.cache_clear()


def test_a_redacted_number_is_not_its_plain_sha256(fresh_key: pytest.MonkeyPatch) -> None:
    # Given the digest an attacker would compute for every phone number
    enumerated = {hashlib.sha256(NUMBER.encode()).hexdigest()[:12]}

    # Then the logged one is not among them
    assert redact_address(NUMBER) not in enumerated
    assert rate_limits.hashed("203.0.113.7") != hashlib.sha256(b"203.0.113.7").hexdigest()[:24]


def test_the_digest_is_hmac_sha256_with_the_configured_key(fresh_key: pytest.MonkeyPatch) -> None:
    fresh_key.setenv(LOG_HASH_KEY_ENV, "deployment-key")

    expected = hmac.new(b"deployment-key", NUMBER.encode(), hashlib.sha256).hexdigest()
    assert redact_address(f" {NUMBER} ") == expected[:12]
    assert keyed_digest(NUMBER, 32) == expected[:32]


def test_one_key_gives_stable_digests_and_another_key_other_ones(fresh_key: pytest.MonkeyPatch) -> None:
    fresh_key.setenv(LOG_HASH_KEY_ENV, "key-a")
    first = redact_address(NUMBER)
    assert redact_address(NUMBER) == first  # the same container
    log_hash.log_hash_key.cache_clear()
    assert redact_address(NUMBER) == first  # another container of the same deployment

    log_hash.log_hash_key.cache_clear()
    fresh_key.setenv(LOG_HASH_KEY_ENV, "key-b")
    assert redact_address(NUMBER) != first  # another deployment


def test_without_a_configured_key_each_process_draws_a_random_one(fresh_key: pytest.MonkeyPatch) -> None:
    first_key = log_hash.log_hash_key()
    assert len(first_key) == 32 and log_hash.log_hash_key() is first_key  # read once, kept
    log_hash.log_hash_key.cache_clear()
    assert log_hash.log_hash_key() != first_key


def test_residents_stay_apart(fresh_key: pytest.MonkeyPatch) -> None:
    numbers = [f"+1202555{n:04d}" for n in range(2000)]
    assert len({redact_address(n) for n in numbers}) == len(numbers)
