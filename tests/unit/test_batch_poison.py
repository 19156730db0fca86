"""A malformed record held back behind its own group's failure must fail alone, not the whole batch."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import BaseModel, ConfigDict, Json
from switchboard.batch import fifo_processor


class Body(BaseModel):
    kind: str
    n: int


class Record(SqsRecordModel):
    model_config = ConfigDict(hide_input_in_errors=True)

    body: Json[Body]  # type: ignore[assignment]


def sqs_record(message_id: str, group: str, body: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": "rh-" + message_id,
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1700000000000",
            "SenderId": "AIDA",
            "ApproximateFirstReceiveTimestamp": "1700000000000",
            "MessageGroupId": group,
            "MessageDeduplicationId": message_id,
            "SequenceNumber": "1",
        },
        "messageAttributes": {},
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:Inbound.fifo",
        "awsRegion": "us-east-1",
    }


def good(n: int) -> str:
    return json.dumps({"kind": "k", "n": n})


def test_poison_record_behind_a_failed_group_fails_only_its_group() -> None:
    handled: list[int] = []

    def handler(record: Record) -> None:
        if record.body.n == 1:
            raise RuntimeError("the table is busy")
        handled.append(record.body.n)

    event = {
        "Records": [
            sqs_record("a1", "resident-a", good(1)),  # fails in the handler: group A is held back
            sqs_record("a2", "resident-a", "not json at all"),  # malformed, behind A's failure
            sqs_record("b1", "resident-b", good(2)),  # another resident: must be stored now
            sqs_record("c1", "resident-c", '{"kind": "k"}'),  # malformed on its own
            sqs_record("c2", "resident-c", good(3)),
        ]
    }
    result = process_partial_response(event=event, record_handler=handler, processor=fifo_processor(Record))
    failed = [f["itemIdentifier"] for f in result["batchItemFailures"]]
    assert failed == ["a1", "a2", "c1", "c2"]
    assert handled == [2]
