"""Webhook acknowledgement: the inbound Twilio webhook handler, warm, in this process, against its queue.

The floor is the one SQS SendMessage the handler must make (same queue, same body size, FIFO group and
dedup id), timed alone right after each handler call, so both see the same machine at the same moment.
Events are built and signed before the clock starts; the handler's log lines go to a counting sink.
"""

from __future__ import annotations

import json
import time
from typing import Any

from bench import harness
from bench.stats import size, summary


def _timed_ms(call: Any) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(
    webhook: Any,
    sqs: Any,
    queue_url: str,
    calls: int,
    warmup: int,
    empty_queue: Any = None,
    account: dict[str, str] | None = None,
    floor_queue_url: str | None = None,
) -> dict[str, Any]:
    """`empty_queue()`, if given, runs off the clock every 10 calls (an undrained queue slows moto down).
    `account` (account_sid, auth_token, public_api_url) signs for another account than the sample one.
    `floor_queue_url`: where the floor's SendMessage goes (default `queue_url`); on a live stack, a twin of
    the queue that nothing consumes, so the floor's copies are not processed as residents' messages."""
    account = account or {}
    handler_ms: list[float] = []
    floor_ms: list[float] = []
    context = harness.LambdaContext()
    with harness.logs_into(harness.ByteSink()):
        for index in range(warmup + calls):
            if empty_queue and index % 10 == 0:
                empty_queue()
            sid = harness.new_sid()
            form = harness.inbound_form(
                sid, harness.resident_number(index % 50), f"ack {index}", account.get("account_sid")
            )
            event = harness.webhook_event(
                "/twilio/messages", form, account.get("public_api_url"), account.get("auth_token")
            )
            floor_request = {
                "QueueUrl": floor_queue_url or queue_url,
                "MessageBody": json.dumps(
                    {"kind": "twilio.inbound", "params": dict(form)}, separators=(",", ":")
                ),
                "MessageGroupId": f"floor{index % 50}",
                "MessageDeduplicationId": "floor" + sid,
            }
            replies: list[dict[str, Any]] = []
            took = _timed_ms(
                lambda event=event, replies=replies: replies.append(webhook.handler(event, context))
            )
            assert replies[0].get("statusCode") == 200, replies
            alone = _timed_ms(lambda request=floor_request: sqs.send_message(**request))
            if index >= warmup:
                handler_ms.append(took)
                floor_ms.append(alone)
    handler, floor = summary(handler_ms), summary(floor_ms)
    return {
        "status": "ok",
        "handler": handler,
        "floor_send_message": floor,
        "ratio_p50": round(handler["p50_ms"] / floor["p50_ms"], 2),
        "ratio_p99": round(handler["p99_ms"] / floor["p99_ms"], 2),
    }


def run_in_process_moto(stack: Any) -> dict[str, Any]:
    """Against in-process moto (mock_aws): the stand-in while the local stack is not there."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        env = harness.bring_up(stack)
        with harness.environment(env):
            handlers = harness.load_handlers(stack)
            sqs = boto3.client("sqs", region_name=harness.REGION)
            queue_url = env["INBOUND_QUEUE_URL"]
            result = measure(
                handlers["TwilioWebhookFn"],
                sqs,
                queue_url,
                size("ack_calls", 500, 50),
                size("ack_warmup", 30, 5),
                empty_queue=lambda: harness.empty_queue(sqs, queue_url),
            )
    return {**result, "backend": "in-process moto (mock_aws)"}


def run_on(local: Any, stack: Any) -> dict[str, Any]:
    """Against a started local stack: the handler module it runs, its queue, its pollers draining it."""
    import importlib
    import os

    import boto3

    harness.use_code_paths()
    webhook = importlib.import_module(stack.function("TwilioWebhookFn").handler.rsplit(".", 1)[0])
    sqs = boto3.client("sqs")
    live = os.environ["INBOUND_QUEUE_URL"]
    # The floor's copies of each message must not reach the inbound consumer (they repeat the handler's
    # messages; the poller kept failing and retrying them for the rest of the run): a twin of the live
    # queue, same attributes, that nothing polls.
    attributes = sqs.get_queue_attributes(
        QueueUrl=live, AttributeNames=["FifoQueue", "ContentBasedDeduplication", "VisibilityTimeout"]
    )["Attributes"]
    twin = sqs.create_queue(QueueName="bench-ack-floor.fifo", Attributes=attributes)["QueueUrl"]
    try:
        result = measure(
            webhook,
            sqs,
            live,
            size("ack_calls", 500, 50),
            size("ack_warmup", 30, 5),
            account={
                "account_sid": local.account_sid,
                "auth_token": local.auth_token,
                "public_api_url": os.environ["PUBLIC_API_URL"],
            },
            floor_queue_url=twin,
        )
    finally:
        sqs.delete_queue(QueueUrl=twin)
    return {**result, "backend": "local stack (moto server, pollers running; the floor on a twin queue)"}
