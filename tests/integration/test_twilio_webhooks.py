"""POST /twilio/messages and /twilio/status: signed posts are queued, everything else is refused untouched."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from switchboard.log_hash import keyed_digest

from events import SAMPLE_CONFIG, load_event
from tests.integration.conftest import MEDIA_BUCKET, Aws, CapturedLogs, LambdaContext
from tests.integration.signing import form_pairs, replace, sign, signed_twilio_event, without

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
RESIDENT = "+15555550123"
SMS_BODY = "Hi, my street light on Elm St is out since Tuesday. Can someone fix it? Thanks!"


@pytest.mark.parametrize(
    "sample", ["twilio_messages_sms.json", "twilio_messages_mms.json", "twilio_messages_whatsapp.json"]
)
def test_signed_message_is_queued_per_resident_and_acknowledged_with_empty_twiml(
    sample: str, aws: Aws, webhook: Any, context: LambdaContext
) -> None:
    event = load_event(f"apigw/{sample}")
    params = dict(form_pairs(event))

    response = webhook.handler(event, context)

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "text/xml"
    assert response["body"] == EMPTY_TWIML
    [queued] = aws.queue_messages("InboundQueue")
    body = json.loads(queued["Body"])
    assert body["kind"] == "twilio.inbound"
    assert body["params"] == params  # every field, blank ones included
    assert body["received_at"].endswith("Z")
    # One group per resident, named by the deployment's keyed digest (not a reversible plain SHA-256)
    assert queued["Attributes"]["MessageGroupId"] == keyed_digest(params["From"], 32)
    assert queued["Attributes"]["MessageGroupId"] != hashlib.sha256(params["From"].encode()).hexdigest()[:32]
    assert queued["Attributes"]["MessageDeduplicationId"] == params["MessageSid"]


def test_redelivered_webhook_is_deduplicated_by_message_sid(
    aws: Aws, webhook: Any, context: LambdaContext
) -> None:
    event = load_event("apigw/twilio_messages_sms.json")

    assert webhook.handler(event, context)["statusCode"] == 200
    assert webhook.handler(event, context)["statusCode"] == 200

    assert len(aws.queue_messages("InboundQueue")) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(
            lambda e: e["headers"].update({"x-twilio-signature": "bm90IGEgc2lnbmF0dXJl"}), id="wrong"
        ),
        pytest.param(lambda e: e["headers"].pop("x-twilio-signature"), id="missing"),
        pytest.param(lambda e: e.update(rawQueryString="extra=1"), id="query-not-signed"),
        pytest.param(
            lambda e: e.update(
                body=signed_twilio_event("apigw/twilio_messages_sms.json", replace("Body", "x"))["body"]
            ),
            id="body-changed",
        ),
    ],
)
def test_unsigned_post_is_refused_with_nothing_queued_or_logged_about_the_resident(
    tamper: Any, aws: Aws, webhook: Any, context: LambdaContext, logs: CapturedLogs
) -> None:
    event = load_event("apigw/twilio_messages_sms.json")
    tamper(event)

    response = webhook.handler(event, context)

    assert response["statusCode"] == 403
    assert aws.queue_messages("InboundQueue") == []
    text = logs.text()
    assert "Twilio webhook rejected" in text
    for secret in (RESIDENT, "5555550123", SMS_BODY, "Elm St", SAMPLE_CONFIG["auth_token"]):
        assert secret not in text


def test_post_signed_with_another_token_is_refused(aws: Aws, webhook: Any, context: LambdaContext) -> None:
    event = signed_twilio_event("apigw/twilio_messages_sms.json", token="someone-elses-token")

    assert webhook.handler(event, context)["statusCode"] == 403
    assert aws.queue_messages("InboundQueue") == []


def test_post_for_another_account_is_refused(aws: Aws, webhook: Any, context: LambdaContext) -> None:
    event = signed_twilio_event("apigw/twilio_messages_sms.json", replace("AccountSid", "AC" + "f" * 32))

    assert webhook.handler(event, context)["statusCode"] == 403
    assert aws.queue_messages("InboundQueue") == []


@pytest.mark.parametrize("field", ["MessageSid", "From", "To", "AccountSid"])
def test_signed_post_missing_a_required_field_is_a_bad_request(
    field: str, aws: Aws, webhook: Any, context: LambdaContext
) -> None:
    event = signed_twilio_event("apigw/twilio_messages_sms.json", without(field))

    assert webhook.handler(event, context)["statusCode"] == 400
    assert aws.queue_messages("InboundQueue") == []


@pytest.mark.parametrize(
    "body, is_base64",
    [
        ("%%%not-base64%%%", True),
        ("Qm9keT3DqQ==é", True),
        ("//79/Q==", True),
        ("Body=%FF%FE&From=x", False),
        ("no-equals-sign", False),
    ],
    ids=["bad-base64", "non-ascii-base64", "not-utf8", "bad-percent-escape", "not-a-form"],
)
def test_malformed_body_is_a_bad_request(
    body: str, is_base64: bool, aws: Aws, webhook: Any, context: LambdaContext
) -> None:
    event = load_event("apigw/twilio_messages_sms.json")
    event.update(body=body, isBase64Encoded=is_base64)

    assert webhook.handler(event, context)["statusCode"] == 400
    assert aws.queue_messages("InboundQueue") == []


def test_accepted_post_logs_the_sid_and_a_hash_never_the_number_or_body(
    aws: Aws, webhook: Any, context: LambdaContext, logs: CapturedLogs
) -> None:
    webhook.handler(load_event("apigw/twilio_messages_sms.json"), context)

    [accepted] = [r for r in logs.records() if r["message"] == "Twilio webhook accepted"]
    assert accepted["message_sid"] == "SM" + "a1" * 16
    assert len(accepted["from_hash"]) == 12
    text = logs.text()
    assert RESIDENT not in text and "5555550123" not in text and "Elm St" not in text


def test_status_callback_is_queued_and_acknowledged_empty(
    aws: Aws, status_webhook: Any, context: LambdaContext
) -> None:
    event = load_event("apigw/twilio_status_undelivered.json")

    response = status_webhook.handler(event, context)

    assert response["statusCode"] == 200
    assert response["body"] == ""
    [queued] = aws.queue_messages("StatusQueue")
    body = json.loads(queued["Body"])
    assert body["kind"] == "twilio.status"
    assert body["params"]["MessageStatus"] == "undelivered"
    assert body["params"]["ErrorCode"] == "30003"


def test_status_callback_with_bad_signature_is_refused(
    aws: Aws, status_webhook: Any, context: LambdaContext
) -> None:
    event = load_event("apigw/twilio_status_delivered.json")
    event["headers"]["x-twilio-signature"] = load_event("apigw/twilio_messages_sms.json")["headers"][
        "x-twilio-signature"
    ]

    assert status_webhook.handler(event, context)["statusCode"] == 403
    assert aws.queue_messages("StatusQueue") == []


def test_status_callback_signed_for_the_messages_route_is_refused(
    aws: Aws, status_webhook: Any, context: LambdaContext
) -> None:
    # Same form, signed over /twilio/messages: the URL is part of what Twilio signs.
    event = load_event("apigw/twilio_status_delivered.json")
    event["rawPath"] = "/twilio/messages"
    sign(event)
    event["rawPath"] = "/twilio/status"

    assert status_webhook.handler(event, context)["statusCode"] == 403


def a_text(body: str, sid: str) -> dict[str, Any]:
    """The sample SMS from the same resident, with another SID and body, signed as Twilio signs it."""
    new_body, new_sid = replace("Body", body), replace("MessageSid", sid)
    return signed_twilio_event("apigw/twilio_messages_sms.json", lambda pairs: new_sid(new_body(pairs)))


@pytest.mark.parametrize("size", [200_000, 900_000], ids=["200KB", "900KB"])
def test_a_signed_oversize_text_is_kept_and_the_residents_next_text_is_stored_at_once(
    size: int, aws: Aws, webhook: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    # Given a signed text far longer than a table item can hold, then an ordinary one from the same resident
    long_sid, next_sid = "SM" + "d4" * 16, "SM" + "e5" * 16
    long_body = "Flooding on Elm St " * (size // 19)
    assert webhook.handler(a_text(long_body, long_sid), context)["statusCode"] == 200
    assert webhook.handler(a_text("Is the shelter open?", next_sid), context)["statusCode"] == 200
    batch = aws.sqs_event("InboundQueue")
    assert len(batch["Records"]) == 2 and all(len(r["body"]) < 16_000 for r in batch["Records"])

    # When the consumer takes the resident's message group, in order
    assert inbound_consumer.handler(batch, context) == {"batchItemFailures": []}

    # Then both are stored on the first try: the long one as its start, its whole text in the media bucket
    messages = {i["twilio_sid"]: i for i in aws.items() if i["sk"].startswith("MSG#")}
    assert messages[next_sid]["body"] == "Is the shelter open?"
    assert messages[long_sid]["body"] == long_body[:4096]
    assert messages[long_sid]["full_length"] == len(long_body)
    kept = aws.s3.get_object(Bucket=MEDIA_BUCKET, Key=f"oversize/twilio.inbound/{long_sid}.json")
    assert json.loads(kept["Body"].read())["Body"] == long_body


def test_a_5_mb_signed_post_is_refused_with_413_nothing_queued_nothing_logged_of_it(
    aws: Aws, webhook: Any, context: LambdaContext, logs: CapturedLogs
) -> None:
    huge = a_text("Elm St flooding " * 330_000, "SM" + "f6" * 16)

    response = webhook.handler(huge, context)

    assert response["statusCode"] == 413
    assert aws.queue_messages("InboundQueue") == []
    [refused] = [r for r in logs.records() if r["message"] == "Twilio webhook rejected"]
    assert refused["status_code"] == 413 and refused["body_bytes"] > 5_000_000
    assert "Elm St" not in logs.text() and "5555550123" not in logs.text()
