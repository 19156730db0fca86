"""No poison messages, over HTTP on the local stack: signed Twilio posts of 200 KB and 900 KB are kept (the
long text whole in the media bucket), 2 MB is refused by the webhook's own cap, 5 MB by the service limits in
front of it (its base64 event is over Lambda's 6 MB), and the resident's next text is stored at once."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from infra.local.stack import LocalStack
from infra.local.template import REGION
from tests.e2e.test_local_stack_api import call, eventually, resident, thread_of, token  # noqa: F401

pytestmark = pytest.mark.e2e


def dead_letters(sqs: Any, local_stack: LocalStack) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=local_stack.outputs["InboundDlqUrl"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


def test_oversize_signed_posts_never_hold_up_the_residents_next_text(
    local_stack: LocalStack,
    token: str,  # noqa: F811 - the fixture imported above
) -> None:
    address = resident()
    sqs = boto3.client("sqs", endpoint_url=local_stack.moto_url, region_name=REGION)
    local_stack.wait_until_idle()
    dead_before = dead_letters(sqs, local_stack)
    sizes = {200_000: 200, 900_000: 200, 2_000_000: 413, 5_000_000: 413}
    long_sids = {}
    for size, expected in sizes.items():
        status, sid = local_stack.send_inbound(address, ("Water in the basement " * (size // 22 + 1))[:size])
        assert status == expected, size
        long_sids[size] = sid

    status, next_sid = local_stack.send_inbound(address, "Is the shelter on Main St open?")
    assert status == 200

    # Every queue drains on the first delivery of each message: nothing of this test's retried into the
    # dead-letter queue (counted against what earlier tests on this stack left there).
    local_stack.wait_until_idle()
    assert dead_letters(sqs, local_stack) == dead_before
    thread = eventually(lambda: thread_of(local_stack, token, address))
    _, _, body = call(local_stack, "GET", f"/api/threads/{thread['thread_id']}", token)
    messages = {m["twilio_sid"]: m for m in json.loads(body)["messages"]}
    assert set(messages) == {long_sids[200_000], long_sids[900_000], next_sid}
    assert messages[next_sid]["body"] == "Is the shelter on Main St open?"
    assert messages[long_sids[900_000]]["full_length"] == 900_000
    assert len(messages[long_sids[900_000]]["body"]) == 4096
