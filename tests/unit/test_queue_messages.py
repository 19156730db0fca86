"""Parsing queued Twilio webhooks: lenient about media fields, never echoing a resident in errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from inbox.models.queue_messages import (
    InboundEnvelope,
    InboundRecord,
    IncomingMessage,
    StatusCallback,
    StatusEnvelope,
    media_from_params,
)
from pydantic import ValidationError

from events import load_event


def test_sample_inbound_batch_parses_into_messages() -> None:
    records = [InboundRecord.model_validate(r) for r in load_event("sqs/inbound_batch.json")["Records"]]
    sms, mms, whatsapp = (IncomingMessage.from_envelope(r.body) for r in records)

    assert (sms.from_address, sms.to_address, sms.media) == ("+15555550123", "+15555550100", ())
    assert [(m.index, m.content_type) for m in mms.media] == [(0, "image/jpeg"), (1, "image/png")]
    assert whatsapp.from_address == "whatsapp:+15555550124" and whatsapp.body.endswith("🗑️")
    assert sms.received_at == "2026-11-24T10:15:00.120000Z"


def test_status_callback_falls_back_to_sms_status_and_keeps_the_error_code() -> None:
    envelope = StatusEnvelope(
        kind="twilio.status",
        received_at="2026-11-24T10:15:00Z",
        params={"MessageSid": "SM1", "SmsStatus": "Undelivered", "ErrorCode": "30003"},
    )

    assert StatusCallback.from_envelope(envelope) == StatusCallback(
        sid="SM1", status="undelivered", error_code="30003"
    )


@given(
    st.dictionaries(st.sampled_from(["NumMedia", "MediaUrl0", "MediaUrl1", "MediaContentType0"]), st.text())
)
def test_media_fields_of_any_shape_never_raise(params: dict[str, str]) -> None:
    media = media_from_params(params)

    assert len(media) <= 10 and all(m.url.strip() == m.url and m.url for m in media)


def test_num_media_is_capped_and_missing_urls_are_skipped() -> None:
    params = {
        "NumMedia": "99",
        "MediaUrl0": "https://api.twilio.com/a",
        "MediaUrl2": "https://api.twilio.com/c",
    }

    assert [m.index for m in media_from_params(params)] == [0, 2]
    assert media_from_params({**params, "NumMedia": "-1"}) == ()


def test_validation_errors_do_not_quote_the_resident() -> None:
    body = {"kind": "twilio.inbound", "received_at": "not a time", "params": {"From": "+15555550123"}}
    record = {**load_event("sqs/inbound_batch.json")["Records"][0], "body": json.dumps(body)}

    with pytest.raises(ValidationError) as error:
        InboundRecord.model_validate(record)
    assert "+15555550123" not in str(error.value)

    envelope = InboundEnvelope(
        kind="twilio.inbound", received_at="2026-11-24T10:15:00Z", params={"From": "+15555550123"}
    )
    with pytest.raises(ValidationError) as error:
        IncomingMessage.from_envelope(envelope)
    assert "+15555550123" not in str(error.value)
