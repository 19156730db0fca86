"""Residents are named in logs only by a keyed hash (tests/unit/test_log_hash.py); failed records are logged
by type, not text."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from switchboard.batch import log_record_failures
from switchboard.observability import logger, redact_address

REPO_ROOT = Path(__file__).resolve().parents[2]


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


_TRACED_HANDLER = """
import sys
from switchboard.observability import tracer

@tracer.capture_lambda_handler(capture_response=False)
def handler(event, context):
    return event["n"] + 1

@tracer.capture_lambda_handler
def bare(event, context):
    return "ok"

print(type(tracer).__name__, handler({"n": 1}, None), bare({}, None), "aws_xray_sdk" in sys.modules)
"""


def _run_traced_handler(trace_disabled: str) -> list[str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO_ROOT / "layers" / "shared" / "python"),
        "POWERTOOLS_TRACE_DISABLED": trace_disabled,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", _TRACED_HANDLER], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def test_tracing_off_runs_handlers_untraced_without_importing_the_xray_sdk() -> None:
    # A stack synthesized without -c tracing=true ships no X-Ray SDK: nothing may import it.
    assert _run_traced_handler("true") == ["UntracedHandlers", "2", "ok", "False"]


def test_tracing_on_uses_powertools_tracer() -> None:
    # Outside Lambda the X-Ray SDK records nothing, but the handler runs under the real decorator.
    assert _run_traced_handler("false") == ["Tracer", "2", "ok", "True"]
