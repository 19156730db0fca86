"""What consent costs, in AWS requests, on the paths it touches (`python -m bench.consent`).

In-process moto, warm handlers, the real code; Twilio's REST transport is faked. Prints AWS calls per unit:
- an ordinary inbound text (the keyword step must add nothing once its caches are warm),
- an inbound STOP (ledger + state, the confirmation stored in the thread and queued), and sending that
  confirmation,
- a conversational reply through the sender and a non-transactional send (one consistent read each: a staff
  reply to a resident opted out of everything is refused too, issue 15),
  and a non-transactional send refused because the resident opted out.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Any

from bench import harness
from bench.requests_count import Bench, Phase, install
from bench.template import synthesize

RESIDENTS = 20


def _per_unit(phases: list[Phase], units: int) -> dict[str, float]:
    total: Counter[str] = Counter()
    for phase in phases:
        total.update(phase.counter.calls)
    return {name: round(count / units, 2) for name, count in sorted(total.items())}


def _texts(bench: Bench, body: str, first: int = 0) -> dict[str, float]:
    webhook, consumer = (
        bench.phase("webhook", "TwilioWebhookFn"),
        bench.phase("consumer", "InboundConsumerFn"),
    )
    for index in range(first, first + RESIDENTS):
        form = harness.inbound_form(harness.new_sid(), harness.resident_number(index), body)
        assert webhook.call(harness.webhook_event("/twilio/messages", form))["statusCode"] == 200
    consumer.drain(bench.sqs, bench.env["INBOUND_QUEUE_URL"], bench.batch_size(consumer))
    return _per_unit([consumer], RESIDENTS)


def _sends(bench: Bench, category: str, first: int) -> dict[str, float]:
    import boto3
    from inbox.dal.inbox_table import InboxTable
    from inbox.integrations.reply_queue import SqsReplyQueue
    from inbox.models.conversations import Message
    from inbox.models.records import ThreadActivity, new_id
    from switchboard.clock import utc_now_iso
    from switchboard.phone import parse_address
    from switchboard.table_keys import message_sk

    table = boto3.resource("dynamodb", region_name=harness.REGION).Table(bench.env["TABLE_NAME"])
    inbox, queue = InboxTable(table), SqsReplyQueue(bench.sqs, bench.env["OUTBOUND_QUEUE_URL"])
    for index in range(first, first + RESIDENTS):
        resident = parse_address(harness.resident_number(index))
        thread_id = inbox.thread_for_resident(resident, new_id(), utc_now_iso())
        at, message_id = utc_now_iso(), new_id()
        message = Message(
            message_id=message_id, thread_id=thread_id, direction="out", body="Boil water notice",
            status="accepted", created_at=at, author="bench",
        )  # fmt: skip
        assert inbox.store_reply(message, ThreadActivity(thread_id, resident, at, "Boil water notice", "out"))
        queue.enqueue(thread_id, message_id, message_sk(at, message_id), category=category, topic="WATER")
    sender = bench.phase("sender", "SmsSenderFn")
    sender.drain(bench.sqs, bench.env["OUTBOUND_QUEUE_URL"], bench.batch_size(sender))
    return _per_unit([sender], RESIDENTS)


def _drain_sender(bench: Bench) -> dict[str, float]:
    sender = bench.phase("sender", "SmsSenderFn")
    sender.drain(bench.sqs, bench.env["OUTBOUND_QUEUE_URL"], bench.batch_size(sender))
    return _per_unit([sender], RESIDENTS)


def run() -> dict[str, Any]:
    install()
    harness.use_code_paths()
    import boto3
    import switchboard.twilio_client as twilio_client
    from moto import mock_aws

    stack = synthesize()
    twilio = harness.fake_twilio_transport()
    original = twilio_client.build_http_client
    twilio_client.build_http_client = lambda api_base_url, timeout=10.0: twilio
    try:
        with mock_aws():
            env = harness.bring_up(stack)
            with harness.environment(env):
                bench = Bench(
                    stack, harness.load_handlers(stack), env, boto3.client("sqs", region_name=harness.REGION)
                )
                from inbox.dal.consent_table import ConsentTable
                from inbox.models.consent import Topic

                table = boto3.resource("dynamodb", region_name=harness.REGION).Table(env["TABLE_NAME"])
                ConsentTable(table).put_topic(Topic("WATER", "Water service"))
                _texts(bench, "hello")  # warm-up: residents, threads, clients, caches
                _texts(bench, "hello", first=RESIDENTS)
                _sends(bench, "conversational", 0)  # warm-up of the sender and its Twilio client
                figures = {
                    "ordinary_inbound_text": _texts(bench, "Is the water safe to drink?"),
                    "inbound_stop": _texts(bench, "STOP", first=0),
                    "stop_confirmation_send": _drain_sender(bench),
                    "conversational_send": _sends(bench, "conversational", RESIDENTS),
                    "non_transactional_send": _sends(bench, "non_transactional", RESIDENTS),
                    "non_transactional_refused_opted_out": _sends(bench, "non_transactional", 0),
                }
    finally:
        twilio_client.build_http_client = original
    return {"aws_calls_per_unit": figures, "units_per_figure": RESIDENTS, "twilio_sends": len(twilio.sent)}


def main() -> None:
    figures = run()
    for name, calls in figures["aws_calls_per_unit"].items():
        total = sum(calls.values())
        detail = ", ".join(f"{op} {n:g}" for op, n in calls.items())
        print(f"{name:38s} {total:5.2f} AWS calls/unit   ({detail})")
    print(json.dumps(figures, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
