"""Memory size per hot function, by modelled duration x GB-second price: `python -m bench.memory_sizes`.

A MODEL, not a measurement in Lambda. The request-count scenarios (bench/requests_count.py: a resident's text
through the webhook and the inbound consumer; an agent's reply through the agent API, the sender, the status
webhook and the status consumer) and an emergency alert (the alerts API, the planner, the alert sender) run
the real handlers in this process against in-process moto. For every
invocation this bench takes the thread's CPU time, minus the CPU time spent between botocore signing a request
and its answer (moto's backend standing in for the network), as "our CPU". Lambda gives a function CPU in
proportion to its memory (one full vCPU at 1,769 MB), so at M MB our CPU takes cpu x 1769 / min(M, 1769)
(this machine's core taken as one Lambda vCPU), and every AWS call adds an assumed in-region round trip
(BENCH_AWS_CALL_MS, default 8 ms), which memory does not change. Duration x M / 1024 x the arm64 GB-second
price + the request price gives the cost per million invocations.

The cheapest size "keeps its latency" when its modelled duration is within 10% of the template's current
size, and no size below a function's memory floor (InboundConsumerFn re-encodes MMS images: 512 MB) is tried.
"""

from __future__ import annotations

import gc
import json
import math
import threading
import time
from collections import defaultdict
from typing import Any

from bench import harness, requests_count
from bench.cost_model import MILLION, PriceBook
from bench.stats import size
from bench.template import Stack, synthesize

SIZES_MB = (256, 512, 1024)
FULL_VCPU_MB = 1769
LATENCY_KEEP = 1.10  # a cheaper size may be at most 10% slower than the current one
MEMORY_FLOOR_MB = {"InboundConsumerFn": 512}  # MMS media re-encoding (~270 MB for a 25 MP HEIC)
_UNIQUE = "switchboard-bench-transport-cpu"
_transport = threading.local()


def _before_sign(**_: Any) -> None:
    _transport.started = time.thread_time()


def _needs_retry(**_: Any) -> None:
    started = getattr(_transport, "started", None)
    if started is not None:
        _transport.total = getattr(_transport, "total", 0.0) + time.thread_time() - started
        _transport.started = None


def _install() -> None:
    import botocore.client
    import botocore.handlers
    import botocore.session

    botocore.handlers.BUILTIN_HANDLERS.append(("before-sign", _before_sign))
    botocore.handlers.BUILTIN_HANDLERS.append(("needs-retry", _needs_retry))
    for thing in gc.get_objects():
        emitter = None
        if isinstance(thing, botocore.client.BaseClient):
            emitter = thing.meta.events
        elif isinstance(thing, botocore.session.Session):
            emitter = thing.get_component("event_emitter")
        if emitter is not None:
            emitter.register("before-sign", _before_sign, unique_id=_UNIQUE + "-sign")
            emitter.register("needs-retry", _needs_retry, unique_id=_UNIQUE + "-retry")


def alert_texts(bench: requests_count.Bench, recipients: int) -> None:
    """An emergency alert to `recipients` subscribers: the alerts API creates it, the planner enqueues it and
    the alert sender texts every resident (Twilio's REST transport faked), each queue drained in batches of
    its mapping's size, as Lambda would."""
    import boto3
    import switchboard.twilio_client as twilio_client

    from bench import alert_fanout
    from events import load_event

    table = boto3.resource("dynamodb", region_name=harness.REGION).Table(bench.env["TABLE_NAME"])

    def write(table_name: str, items: list[dict[str, Any]]) -> float:
        with table.batch_writer() as batch:
            for item in items:
                batch.put_item(Item=item)
        return 0.0

    from inbox.dal.consent_table import ConsentTable
    from inbox.models.consent import Topic

    ConsentTable(table).put_topic(Topic(alert_fanout.TOPIC, "Storm warnings", ()))
    original_write, alert_fanout.write_items = alert_fanout.write_items, write
    try:
        alert_fanout.seed_subscribers(bench.env["TABLE_NAME"], recipients)
    finally:
        alert_fanout.write_items = original_write
    event = load_event("apigw/api_reply.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/alerts"
    event["pathParameters"] = {"proxy": "alerts"}
    event["body"] = json.dumps(
        {
            "title": "Bench storm warning",
            "topics": [alert_fanout.TOPIC],
            "zones": [],
            "texts": {"en": alert_fanout.TEXT},
            "emergency": True,
            "emergency_reason": "benchmark",
            "send_at": None,
            "track_links": False,
        }
    )
    response = bench.phase("alerts API", "AlertsApiFn").call(event)
    assert response["statusCode"] in (200, 201, 202), response
    planner, sender = bench.phase("planner", "AlertPlannerFn"), bench.phase("alert sender", "AlertSenderFn")
    planner.drain(bench.sqs, bench.env["ALERT_PLAN_QUEUE_URL"], bench.batch_size(planner))
    twilio = harness.fake_twilio_transport()
    original = twilio_client.build_http_client
    twilio_client.build_http_client = lambda api_base_url, timeout=10.0: twilio
    twilio_client._cached_client.cache_clear()  # the reply scenario's client holds its own fake transport
    try:
        sender.drain(bench.sqs, bench.env["ALERT_SEND_QUEUE_URL"], bench.batch_size(sender))
    finally:
        twilio_client.build_http_client = original
    assert len(twilio.sent) == recipients, (len(twilio.sent), recipients)


def measure(stack: Stack) -> dict[str, dict[str, float]]:
    """Per function: our CPU ms and AWS calls per invocation, medians over the scenarios' invocations."""
    requests_count.install()
    _install()
    import boto3
    from moto import mock_aws

    per_function: defaultdict[str, list[tuple[float, int]]] = defaultdict(list)
    original_call = requests_count.Phase.call

    def call(self: requests_count.Phase, event: dict[str, Any]) -> Any:
        calls_before = sum(self.counter.calls.values())
        _transport.total = 0.0
        started = time.thread_time()
        try:
            return original_call(self, event)
        finally:
            ours_ms = (time.thread_time() - started - _transport.total) * 1000
            per_function[self.function_id].append((ours_ms, sum(self.counter.calls.values()) - calls_before))

    residents = size("memory_residents", 10, 5)
    requests_count.Phase.call = call  # type: ignore[method-assign]
    try:
        with mock_aws():
            env = harness.bring_up(stack)
            with harness.environment(env):
                bench = requests_count.Bench(
                    stack, harness.load_handlers(stack), env, boto3.client("sqs", region_name=harness.REGION)
                )
                requests_count.inbound_message(bench, residents)
                requests_count.agent_reply(bench, requests_count._thread_ids(env), callbacks=2)
                alert_texts(bench, size("memory_alert_recipients", 200, 60))
    finally:
        requests_count.Phase.call = original_call  # type: ignore[method-assign]
    result = {}
    for function_id, samples in per_function.items():
        warm = samples[len(samples) // 4 :] or samples  # the first invocations build clients and caches
        cpu = sorted(ms for ms, _ in warm)
        calls = sorted(n for _, n in warm)
        result[function_id] = {
            "our_cpu_ms": round(cpu[len(cpu) // 2], 2),
            "aws_calls": calls[len(calls) // 2],
            "invocations": len(warm),
        }
    return result


def model(
    function_id: str, measured: dict[str, float], current_mb: int, prices: PriceBook, call_ms: float
) -> dict[str, Any]:
    floor = MEMORY_FLOOR_MB.get(function_id, 0)
    sizes = sorted({*(s for s in SIZES_MB if s >= floor), current_mb})
    gb_s = prices.usd("lambda_gb_second_arm64")
    request = prices.usd("lambda_request")
    rows = {}
    for mb in sizes:
        duration_ms = (
            measured["our_cpu_ms"] * FULL_VCPU_MB / min(mb, FULL_VCPU_MB) + measured["aws_calls"] * call_ms
        )
        billed_s = math.ceil(duration_ms) / 1000
        rows[str(mb)] = {
            "duration_ms": round(duration_ms, 1),
            "usd_per_million_invocations": round(MILLION * (billed_s * mb / 1024 * gb_s + request), 2),
        }
    keeps = [
        mb
        for mb in sizes
        if rows[str(mb)]["duration_ms"] <= rows[str(current_mb)]["duration_ms"] * LATENCY_KEEP
    ]
    chosen = min(keeps, key=lambda mb: (rows[str(mb)]["usd_per_million_invocations"], -mb))
    return {
        **measured,
        "current_mb": current_mb,
        "sizes": rows,
        "chosen_mb": chosen,
        "saves_usd_per_million": round(
            rows[str(current_mb)]["usd_per_million_invocations"]
            - rows[str(chosen)]["usd_per_million_invocations"],
            2,
        ),
    }


def run(
    stack: Stack | None = None, prices: PriceBook | None = None, call_ms: float | None = None
) -> dict[str, Any]:
    import os

    stack = stack or synthesize()
    prices = prices or PriceBook.load()
    call_ms = call_ms if call_ms is not None else float(os.environ.get("BENCH_AWS_CALL_MS", "8"))
    measured = measure(stack)
    return {
        "status": "ok",
        "model": "duration = our CPU x 1769 / min(MB, 1769) + AWS calls x the assumed round trip; this "
        "machine's core taken as one Lambda vCPU",
        "aws_call_ms": call_ms,
        "functions": {
            function_id: model(function_id, row, stack.function(function_id).memory_mb, prices, call_ms)
            for function_id, row in sorted(measured.items())
        },
    }


def table_rows(result: dict[str, Any]) -> list[list[str]]:
    """bench/__main__'s rows: per function, each size's modelled duration and cost, and the size chosen."""
    if result.get("status") != "ok":
        return [["Memory size per function", str(result.get("status")), "", "", ""]]
    rows = []
    for function_id, row in result["functions"].items():
        sizes = ", ".join(
            f"{mb} MB {cell['duration_ms']:g} ms ${cell['usd_per_million_invocations']:g}/M"
            for mb, cell in row["sizes"].items()
        )
        rows.append(
            [
                f"Memory {function_id}",
                f"{row['chosen_mb']} MB (template {row['current_mb']} MB)",
                "",
                "",
                f"model: {sizes}; our CPU {row['our_cpu_ms']:g} ms + {row['aws_calls']} AWS calls x "
                f"{result['aws_call_ms']:g} ms",
            ]
        )
    return rows


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
