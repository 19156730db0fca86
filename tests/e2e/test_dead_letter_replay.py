"""Nothing is silently dropped: a text whose processing keeps failing lands in the dead-letter queue, and the
documented replay command brings it back once the cause is gone."""

from __future__ import annotations

import base64
import json
import secrets
import time
import urllib.request

import boto3
import pytest

from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, LocalStack
from infra.tools.replay_dlq import main as replay_dlq

pytestmark = pytest.mark.e2e
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def set_media_outage(stack: LocalStack, down: bool) -> None:
    request = urllib.request.Request(
        stack.twilio.url + "/__control/faults",
        data=json.dumps({"media_outage": down}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=5).close()


def queue_depth(sqs, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def threads_for(stack: LocalStack, token: str, address: str) -> list[dict]:
    request = urllib.request.Request(stack.api_url + "/api/threads?limit=100")
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return [t for t in json.loads(response.read())["threads"] if t["resident"]["address"] == address]


def test_failing_text_goes_to_the_dlq_and_replay_delivers_it(local_stack: LocalStack, monkeypatch) -> None:
    sqs = boto3.client("sqs", endpoint_url=local_stack.moto_url, region_name="us-east-1")
    dlq_url = local_stack.outputs["InboundDlqUrl"]
    token = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    address = "+1555" + "".join(secrets.choice("0123456789") for _ in range(7))

    # Given Twilio's media service is down, a resident's photo cannot be copied: every attempt fails
    set_media_outage(local_stack, True)
    try:
        status, _ = local_stack.send_inbound(address, "Tree down on Pine Rd", media=[("image/png", PNG)])
        assert status == 200  # Twilio still got its answer: the text is safe in the queue
        # Five receives, each retry a little later (infra/local/pollers.py: 2, 4, 6, 8 s), then the DLQ.
        deadline = time.monotonic() + 90
        while queue_depth(sqs, dlq_url) == 0:
            assert time.monotonic() < deadline, "the failing text never reached the dead-letter queue"
            time.sleep(0.25)
        assert threads_for(local_stack, token, address) == []
    finally:
        set_media_outage(local_stack, False)

    # When the operator replays the DLQ with the documented command
    monkeypatch.setenv("AWS_ENDPOINT_URL", local_stack.moto_url)
    assert replay_dlq(["InboundQueue", "--local"]) == 0

    # Then the text and its photo are stored, and the DLQ is empty
    deadline = time.monotonic() + 15
    while not threads_for(local_stack, token, address):
        assert time.monotonic() < deadline, "the replayed text was not stored"
        time.sleep(0.2)
    assert queue_depth(sqs, dlq_url) == 0
