"""The sender against moto and the real twilio SDK over an in-memory transport."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from outbound.logic.send_reply import SendInProgress
from outbound.models.replies import ReplyRecord

from events import SAMPLE_CONFIG, load_event
from tests.integration.conftest import Aws, CapturedLogs, LambdaContext
from tests.integration.fakes import FakeTwilioHttpClient, twilio_error
from tests.integration.seed import OUTBOUND_SID, message, seed_conversation

MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{SAMPLE_CONFIG['account_sid']}/Messages.json"
OPTED_OUT = twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
TOO_MANY = twilio_error(429, 20429, "Too Many Requests")


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> FakeTwilioHttpClient:
    """Twilio's API, as seen through the SDK client the sender builds from the secret in moto."""
    fake = FakeTwilioHttpClient()
    monkeypatch.setattr(
        "switchboard.twilio_client.build_http_client", lambda api_base_url, timeout=10.0: fake
    )
    return fake


def outbound_event() -> dict[str, Any]:
    return load_event("sqs/outbound_batch.json")  # names the reply seed_conversation stores


def test_reply_is_sent_from_the_address_the_resident_wrote_to_and_its_sid_recorded(
    aws: Aws, sms_sender: Any, twilio: FakeTwilioHttpClient, context: LambdaContext
) -> None:
    conversation = seed_conversation(aws.table)

    assert sms_sender.handler(outbound_event(), context) == {"batchItemFailures": []}

    [request] = twilio.requests
    assert (request["method"], request["url"]) == ("POST", MESSAGES_URL)
    assert request["auth"] == (SAMPLE_CONFIG["account_sid"], SAMPLE_CONFIG["auth_token"])
    assert request["data"] == {
        "To": "+15555550123",
        "From": "+15555550100",
        "Body": "Yes, 12 to 5.",
        "StatusCallback": SAMPLE_CONFIG["PUBLIC_API_URL"] + "/twilio/status",
    }
    stored = message(aws.table, conversation)
    assert (stored["twilio_sid"], stored["status"], stored["status_rank"]) == (OUTBOUND_SID, "queued", 1)
    sid_item = aws.table.get_item(Key={"pk": f"SID#{OUTBOUND_SID}", "sk": "SID"})["Item"]
    assert (sid_item["thread_id"], sid_item["message_sk"]) == (conversation.thread_id, conversation.reply_sk)


def test_a_redelivered_job_does_not_send_again(
    aws: Aws, sms_sender: Any, twilio: FakeTwilioHttpClient, context: LambdaContext
) -> None:
    seed_conversation(aws.table)

    for _ in range(3):
        assert sms_sender.handler(outbound_event(), context) == {"batchItemFailures": []}

    assert len(twilio.requests) == 1


def test_opted_out_resident_fails_the_reply_for_good(
    aws: Aws, sms_sender: Any, twilio: FakeTwilioHttpClient, context: LambdaContext
) -> None:
    conversation = seed_conversation(aws.table)
    twilio.answers = [OPTED_OUT]

    assert sms_sender.handler(outbound_event(), context) == {"batchItemFailures": []}
    assert sms_sender.handler(outbound_event(), context) == {"batchItemFailures": []}

    assert len(twilio.requests) == 1
    stored = message(aws.table, conversation)
    assert (stored["status"], stored["error_code"]) == ("failed", "21610")
    assert "twilio_sid" not in stored


def test_other_client_errors_fail_the_reply_with_their_code(
    aws: Aws, sms_sender: Any, twilio: FakeTwilioHttpClient, context: LambdaContext, logs: CapturedLogs
) -> None:
    conversation = seed_conversation(aws.table)
    twilio.answers = [twilio_error(400, 21211, "The 'To' number +15555550123 is not a valid phone number.")]

    assert sms_sender.handler(outbound_event(), context) == {"batchItemFailures": []}

    stored = message(aws.table, conversation)
    assert (stored["status"], stored["error_code"]) == ("failed", "21211")
    assert "+15555550123" not in logs.text()  # Twilio's error message quotes the number


@pytest.mark.parametrize(
    "answer",
    [TOO_MANY, twilio_error(500, 20500, "Internal Server Error"), twilio_error(401, 20003, "Authenticate")],
    ids=["429", "500", "401"],
)
def test_throttling_and_server_errors_are_retried_through_sqs(
    answer: tuple[int, dict[str, Any]],
    aws: Aws,
    sms_sender: Any,
    twilio: FakeTwilioHttpClient,
    context: LambdaContext,
) -> None:
    conversation = seed_conversation(aws.table)
    twilio.answers = [answer, (201, {})]
    event = outbound_event()

    first = sms_sender.handler(event, context)
    assert first == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert message(aws.table, conversation)["status"] == "accepted"

    assert sms_sender.handler(event, context) == {"batchItemFailures": []}  # SQS's next delivery
    assert message(aws.table, conversation)["twilio_sid"] == OUTBOUND_SID


def test_connection_errors_are_retried(
    aws: Aws,
    sms_sender: Any,
    twilio: FakeTwilioHttpClient,
    monkeypatch: pytest.MonkeyPatch,
    context: LambdaContext,
    logs: CapturedLogs,
) -> None:
    seed_conversation(aws.table)

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise requests.ConnectionError("connection refused by +15555550123")  # text never reaches a log

    monkeypatch.setattr(twilio, "request", unreachable)
    event = outbound_event()

    assert sms_sender.handler(event, context)["batchItemFailures"] == [
        {"itemIdentifier": event["Records"][0]["messageId"]}
    ]
    assert "+15555550123" not in logs.text()


def test_without_an_agency_address_the_messaging_service_sends(
    aws: Aws,
    sms_sender: Any,
    twilio: FakeTwilioHttpClient,
    monkeypatch: pytest.MonkeyPatch,
    context: LambdaContext,
) -> None:
    service = "MG" + "e5" * 16
    monkeypatch.setattr(
        sms_sender,
        "settings",
        sms_sender.settings.model_copy(update={"twilio_messaging_service_sid": service}),
    )
    conversation = seed_conversation(aws.table, agency=None)

    assert sms_sender.handler(outbound_event(), context) == {"batchItemFailures": []}

    data = twilio.requests[0]["data"]
    assert data["MessagingServiceSid"] == service and "From" not in data
    assert message(aws.table, conversation)["status"] == "accepted"  # what Twilio answers for a service


def test_whatsapp_reply_without_agency_address_goes_from_the_agency_number_on_whatsapp(
    aws: Aws, sms_sender: Any, twilio: FakeTwilioHttpClient, context: LambdaContext
) -> None:
    seed_conversation(aws.table, resident="whatsapp:+15555550124", agency=None)

    sms_sender.handler(outbound_event(), context)

    data = twilio.requests[0]["data"]
    assert (data["To"], data["From"]) == ("whatsapp:+15555550124", "whatsapp:+15555550199")


def test_status_callbacks_then_find_the_sent_reply(
    aws: Aws, sms_sender: Any, status_consumer: Any, twilio: FakeTwilioHttpClient, context: LambdaContext
) -> None:
    conversation = seed_conversation(aws.table)
    sms_sender.handler(outbound_event(), context)

    assert status_consumer.handler(load_event("sqs/status_batch.json"), context) == {"batchItemFailures": []}

    assert message(aws.table, conversation)["status"] == "delivered"


def test_a_job_for_a_missing_message_is_dropped(
    aws: Aws, sms_sender: Any, twilio: FakeTwilioHttpClient, context: LambdaContext
) -> None:
    event = outbound_event()
    body = json.loads(event["Records"][0]["body"])
    body["message_sk"] = "MSG#2026-01-01T00:00:00.000000Z#" + "9" * 32
    event["Records"][0]["body"] = json.dumps(body)

    assert sms_sender.handler(event, context) == {"batchItemFailures": []}
    assert twilio.requests == []


def test_a_job_redelivered_while_twilio_is_still_answering_the_first_delivery_sends_once(
    aws: Aws, sms_sender: Any, twilio: FakeTwilioHttpClient, context: LambdaContext
) -> None:
    # Given a reply whose job SQS hands to a second sender while the first one waits for Twilio (the job's
    # visibility timeout ran out)
    conversation = seed_conversation(aws.table)
    second: list[Exception | None] = []
    answer = twilio.request

    def slow_twilio(*args: Any, **kwargs: Any) -> Any:
        if not second:  # another sender (its own Lambda instance) takes the same record meanwhile
            record = ReplyRecord.model_validate(outbound_event()["Records"][0])
            try:
                second.append(sms_sender.send_record(record))
            except SendInProgress as in_progress:
                second.append(in_progress)
        return answer(*args, **kwargs)

    twilio.request = slow_twilio  # type: ignore[method-assign]

    # When both deliveries run, then SQS brings the second one back
    first = sms_sender.handler(outbound_event(), context)
    again = sms_sender.handler(outbound_event(), context)

    # Then the second delivery failed its record (SQS keeps it: not sent, not lost); Twilio was called once
    assert first == again == {"batchItemFailures": []}
    assert len(second) == 1 and isinstance(second[0], SendInProgress)
    assert len(twilio.requests) == 1
    assert message(aws.table, conversation)["twilio_sid"] == OUTBOUND_SID


def test_a_claim_left_by_a_sender_that_crashed_runs_out(
    aws: Aws, sms_sender: Any, twilio: FakeTwilioHttpClient, context: LambdaContext
) -> None:
    conversation = seed_conversation(aws.table)
    key = {"pk": f"THREAD#{conversation.thread_id}", "sk": conversation.reply_sk}
    aws.table.update_item(
        Key=key,
        UpdateExpression="SET send_claim = :claim",
        ExpressionAttributeValues={":claim": {"token": "crashed", "at": "2026-01-01T00:00:00.000000Z"}},
    )

    assert sms_sender.handler(outbound_event(), context) == {"batchItemFailures": []}
    assert len(twilio.requests) == 1
