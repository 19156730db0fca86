"""The voice webhook (the IVR) against the messaging webhook: warm p50/p99 in this process against
in-process moto, and cold start in fresh interpreters.

Warm: each call is a new CallSid (so each claims its turn: the real work, not a replay), alternating with a
messaging webhook call on the same machine at the same moment. Two voice turns are timed: the greeting of a
known caller (reads their thread, consent, callback, request and thread status; writes the turn, the call
and its timeline entry) and a menu choice (3: today's alerts, one Query of the alerts index).
Cold: `import <handler module>` in a fresh interpreter with the function's own environment (bench.cold_start's
probe), plus, in this process, the first call after a fresh import (the IVR and its clients are built on the
first signed call, not at import).

`python -m bench.voice_webhook` prints the figures (BENCH_QUICK=1 for a smoke run).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from statistics import median
from typing import Any

from bench import cold_start, harness
from bench.stats import size, summary
from bench.template import Stack, synthesize

VOICE, MESSAGES = "VoiceFn", "TwilioWebhookFn"


def _ms(call: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def voice_form(call_sid: str, from_number: str, **fields: str) -> list[tuple[str, str]]:
    return [
        ("AccountSid", harness.sample_config()["account_sid"]),
        ("ApiVersion", "2010-04-01"),
        ("CallSid", call_sid),
        ("CallStatus", "in-progress"),
        ("Direction", "inbound"),
        ("From", from_number),
        ("To", harness.AGENCY_NUMBER),
        *fields.items(),
    ]


def voice_event(form: list[tuple[str, str]], query: str = "") -> dict[str, Any]:
    event = harness.webhook_event("/twilio/voice" + (f"?{query}" if query else ""), form)
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/twilio/voice"
    event["routeKey"] = "POST /twilio/voice"
    event["rawQueryString"] = query
    return event


def _seed_known_callers(count: int) -> None:
    """Residents who texted before (a thread each), as most callers of a busy day would be."""
    import boto3
    from inbox.dal.inbox_table import InboxTable
    from switchboard.phone import parse_address

    table = boto3.resource("dynamodb", region_name=harness.REGION).Table(_table_name())
    inbox = InboxTable(table)
    for index in range(count):
        inbox.thread_for_resident(
            parse_address(harness.resident_number(index)), f"bench-thread-{index}", "2026-12-07T09:00:00Z"
        )


def _table_name() -> str:
    return os.environ["TABLE_NAME"]


def warm(handlers: dict[str, Any], calls: int, warmup: int) -> dict[str, Any]:
    import boto3

    context = harness.LambdaContext()
    sqs = boto3.client("sqs", region_name=harness.REGION)
    voice, messages = handlers[VOICE], handlers[MESSAGES]
    greeting_ms: list[float] = []
    menu_ms: list[float] = []
    messaging_ms: list[float] = []
    with harness.logs_into(harness.ByteSink()):
        for index in range(warmup + calls):
            caller = harness.resident_number(index % 50)
            call_sid = harness.new_sid("CA")
            start = voice_event(voice_form(call_sid, caller))
            menu = voice_event(voice_form(call_sid, caller, Digits="3"), "step=menu&n=1&r=0")
            sid = harness.new_sid()
            text = harness.webhook_event(
                "/twilio/messages", harness.inbound_form(sid, caller, f"bench {index}")
            )
            took_start, first = _ms(lambda event=start: voice.handler(event, context))
            took_menu, second = _ms(lambda event=menu: voice.handler(event, context))
            took_text, third = _ms(lambda event=text: messages.handler(event, context))
            assert first["statusCode"] == second["statusCode"] == third["statusCode"] == 200, (first, third)
            assert "<Gather" in second["body"], second["body"]
            if index >= warmup:
                greeting_ms.append(took_start)
                menu_ms.append(took_menu)
                messaging_ms.append(took_text)
            if index % 10 == 0:
                harness.empty_queue(sqs, os.environ["INBOUND_QUEUE_URL"])
    greeting, menu_turn, messaging = summary(greeting_ms), summary(menu_ms), summary(messaging_ms)
    return {
        "voice_greeting": greeting,
        "voice_menu_alerts": menu_turn,
        "messaging_webhook": messaging,
        "ratio_greeting_p99_to_messaging_p99": round(greeting["p99_ms"] / messaging["p99_ms"], 2),
        "ratio_menu_p99_to_messaging_p99": round(menu_turn["p99_ms"] / messaging["p99_ms"], 2),
    }


def first_call_after_import(stack: Stack) -> dict[str, dict[str, float]]:
    """In this process: a fresh import of each handler module, then its first call (clients built lazily)."""
    context = harness.LambdaContext()
    found = {}
    for logical_id in (VOICE, MESSAGES):
        module_name = stack.function(logical_id).handler.rsplit(".", 1)[0]
        sys.modules.pop(module_name, None)
        import_ms, module = _ms(lambda name=module_name: importlib.import_module(name))
        if logical_id == VOICE:
            event = voice_event(voice_form(harness.new_sid("CA"), harness.resident_number(1)))
        else:
            sid = harness.new_sid()
            event = harness.webhook_event(
                "/twilio/messages", harness.inbound_form(sid, harness.resident_number(1), "x")
            )
        with harness.logs_into(harness.ByteSink()):
            call_ms, reply = _ms(lambda module=module, event=event: module.handler(event, context))
        assert reply["statusCode"] == 200, reply
        found[logical_id] = {"reimport_ms": round(import_ms, 1), "first_call_ms": round(call_ms, 1)}
    return found


def cold(stack: Stack, runs: int) -> dict[str, Any]:
    samples: dict[str, list[float]] = {VOICE: [], MESSAGES: []}
    envs = {}
    for logical_id in samples:
        function = stack.function(logical_id)
        envs[logical_id] = (
            function.handler.rsplit(".", 1)[0],
            cold_start.lambda_environment(stack, logical_id, function.handler),
        )
    for _ in range(runs):  # interleaved: drift on a noisy machine hits both alike
        for logical_id, (module, env) in envs.items():
            samples[logical_id].append(cold_start._import_ms(module, env))
    voice_ms, messages_ms = median(samples[VOICE]), median(samples[MESSAGES])
    return {
        "runs": runs,
        "voice_import_ms_median": round(voice_ms, 1),
        "messaging_import_ms_median": round(messages_ms, 1),
        "ratio_voice_to_messaging": round(voice_ms / messages_ms, 2),
        "voice_dominated_by": cold_start.import_breakdown(envs[VOICE][0], envs[VOICE][1], top=4),
    }


def run(stack: Stack) -> dict[str, Any]:
    from moto import mock_aws

    from infra.local import moto_dynamodb_json, moto_indexes, moto_sqs, moto_transactions

    # moto as the local stack runs it (infra/local/stack.py): unpatched, each TransactWriteItems deep-copies
    # the whole table (~160 ms a turn here), a cost DynamoDB does not have.
    moto_indexes.install()
    moto_transactions.install()
    moto_sqs.install()
    moto_dynamodb_json.install()
    with mock_aws():
        env = harness.bring_up(stack)
        with harness.environment(env):
            handlers = harness.load_handlers(stack)
            _seed_known_callers(50)
            result = warm(handlers, size("voice_calls", 300, 40), size("voice_warmup", 20, 5))
            result["first_call_in_process"] = first_call_after_import(stack)
    result["cold_start"] = cold(stack, size("voice_cold_runs", 8, 3))
    backend = "in-process moto (mock_aws) with the local stack's patches"
    return {"status": "ok", "backend": backend, **result}


if __name__ == "__main__":
    print(json.dumps(run(synthesize()), indent=2))
