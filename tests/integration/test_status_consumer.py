"""StatusQueue consumer against moto: statuses move forward only; unknown SIDs are ignored."""

from __future__ import annotations

import json
from typing import Any

from events import load_event
from tests.integration.conftest import Aws, LambdaContext
from tests.integration.seed import OUTBOUND_SID, mark_sent, message, seed_conversation


def status_event(*statuses: str, sid: str = OUTBOUND_SID, error_code: str | None = None) -> dict[str, Any]:
    template = load_event("sqs/status_batch.json")["Records"][0]
    records = []
    for index, status in enumerate(statuses):
        record = json.loads(json.dumps(template))
        body = json.loads(record["body"])
        body["params"].update(MessageSid=sid, SmsSid=sid, MessageStatus=status, SmsStatus=status)
        if error_code:
            body["params"]["ErrorCode"] = error_code
        record["body"] = json.dumps(body)
        record["messageId"] = f"status-{index}"
        records.append(record)
    return {"Records": records}


def test_duplicated_and_out_of_order_callbacks_end_at_the_furthest_status(
    aws: Aws, status_consumer: Any, context: LambdaContext
) -> None:
    conversation = seed_conversation(aws.table)
    mark_sent(aws.table, conversation)

    # The sample: delivered, then a late "sent", then delivered again
    response = status_consumer.handler(load_event("sqs/status_batch.json"), context)

    assert response == {"batchItemFailures": []}
    stored = message(aws.table, conversation)
    assert stored["status"] == "delivered"
    assert stored["status_rank"] == 4
    assert "error_code" not in stored


def test_undelivered_records_the_error_code_and_is_final(
    aws: Aws, status_consumer: Any, context: LambdaContext
) -> None:
    conversation = seed_conversation(aws.table)
    mark_sent(aws.table, conversation)

    assert status_consumer.handler(load_event("sqs/status_undelivered_batch.json"), context) == {
        "batchItemFailures": []
    }
    assert status_consumer.handler(status_event("sent", "delivered"), context) == {"batchItemFailures": []}

    stored = message(aws.table, conversation)
    assert (stored["status"], stored["error_code"]) == ("undelivered", "30003")


def test_statuses_step_forward_one_callback_at_a_time(
    aws: Aws, status_consumer: Any, context: LambdaContext
) -> None:
    conversation = seed_conversation(aws.table)
    mark_sent(aws.table, conversation)
    seen = []
    for status in ["sending", "queued", "sent", "sending", "delivered", "read", "delivered"]:
        status_consumer.handler(status_event(status), context)
        seen.append(message(aws.table, conversation)["status"])

    assert seen == ["sending", "sending", "sent", "sent", "delivered", "read", "read"]


def test_unknown_sid_is_ignored_as_success(aws: Aws, status_consumer: Any, context: LambdaContext) -> None:
    response = status_consumer.handler(status_event("delivered", sid="SM" + "0" * 32), context)

    assert response == {"batchItemFailures": []}
    assert aws.items() == []


def test_callback_for_an_inbound_sid_changes_nothing(
    aws: Aws, status_consumer: Any, context: LambdaContext
) -> None:
    seed_conversation(aws.table)
    before = aws.items()

    response = status_consumer.handler(status_event("delivered", sid="SM" + "a1" * 16), context)

    assert response == {"batchItemFailures": []}
    assert aws.items() == before


def test_untracked_status_is_ignored(aws: Aws, status_consumer: Any, context: LambdaContext) -> None:
    conversation = seed_conversation(aws.table)
    mark_sent(aws.table, conversation)

    assert status_consumer.handler(status_event("scheduled"), context) == {"batchItemFailures": []}
    assert message(aws.table, conversation)["status"] == "queued"


def test_malformed_record_is_reported(aws: Aws, status_consumer: Any, context: LambdaContext) -> None:
    event = status_event("sent")
    event["Records"][0]["body"] = "not json"

    assert status_consumer.handler(event, context) == {"batchItemFailures": [{"itemIdentifier": "status-0"}]}


def test_an_alert_text_is_offered_to_the_alert_step_before_the_message_step(
    aws: Aws, status_consumer: Any
) -> None:
    assert [c.name for c in status_consumer.dependencies().contracts] == [
        "reports_alert_status",  # counts an alert text's status for the reports, never owns it
        "alert_text_status",
        "message_status",
    ]


def test_a_batchs_sid_items_are_read_in_one_request_and_each_callback_still_applies(
    aws: Aws, status_consumer: Any, context: LambdaContext
) -> None:
    conversation = seed_conversation(aws.table)
    mark_sent(aws.table, conversation)
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        seen.append((model.name, json.loads(params.get("body") or b"{}")))

    events = status_consumer.table().meta.client.meta.events
    events.register("before-call.dynamodb", record, unique_id="test-status-sid-reads")
    try:
        # Given three callbacks for one reply in a batch (one of them a repeat), and one with a forged SID
        event = status_event("sent", "delivered", "delivered")
        event["Records"].append(status_event("delivered", sid="SM" + "ff" * 16)["Records"][0])
        event["Records"][-1]["messageId"] = "status-unknown"
        assert status_consumer.handler(event, context) == {"batchItemFailures": []}
    finally:
        events.unregister("before-call.dynamodb", unique_id="test-status-sid-reads")

    # Then both SID items were asked for in one BatchGetItem, only the unknown one is read again (it may be
    # written later), and the reply still ends delivered
    sid_item = {"S": "SID"}
    sid_gets = [b["Key"]["pk"]["S"] for name, b in seen if name == "GetItem" and b["Key"]["sk"] == sid_item]
    [batch] = [b for name, b in seen if name == "BatchGetItem"]
    assert len(batch["RequestItems"][aws.table.name]["Keys"]) == 2
    assert sid_gets == ["SID#SM" + "ff" * 16]
    assert message(aws.table, conversation)["status"] == "delivered"
