"""Residents are named in logs only by a keyed hash (tests/unit/test_log_hash.py); failed records are logged
by type, not text."""

from __future__ import annotations

import io
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st
from switchboard.batch import log_record_failures
from switchboard.observability import logger, redact_address


@given(st.from_regex(r"(whatsapp:)?\+[1-9][0-9]{9,14}", fullmatch=True))
def test_redacted_address_is_a_stable_short_hash_without_the_number(address: str) -> None:
    redacted = redact_address(address)

    assert redacted == redact_address(f" {address} ") and len(redacted) == 12
    assert address.removeprefix("whatsapp:+")[-7:] not in redacted
    assert redact_address("") == "none"


def test_a_failing_record_is_logged_by_error_type_and_re_raised() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)

    class Record:
        messageId = "m-1"  # noqa: N815 - the SQS record's field name

    @log_record_failures
    def fail(record: Record) -> None:
        raise ValueError("resident +15555550123 said something")

    try:
        with pytest.raises(ValueError):
            fail(Record())
    finally:
        logger.removeHandler(handler)

    assert '"error_type":"ValueError"' in stream.getvalue() and '"sqs_message_id":"m-1"' in stream.getvalue()
    assert "+15555550123" not in stream.getvalue()
