"""AWS requests per unit of work, counted by botocore event hooks, and what they cost per million units.

The counter hooks `before-call`/`after-call` on every botocore client: clients made after `install()` get the
hooks from botocore's built-in handler list (the way moto attaches itself), clients and sessions made before
it are found and hooked once. So clients the functions build and cache inside handlers are seen too.

The scenarios run the real handlers in this process against in-process moto, warm, the way Lambda would
call them (webhook events, SQS batches of the template's batch size); only the Twilio REST transport is
faked. What the platform spends for us (API Gateway requests, invocations, GB-seconds, the SQS trigger's
receive/delete, log bytes, traces) is added from the template and the measured handler times.
"""

from __future__ import annotations

import gc
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bench import harness
from bench.cost_model import (
    MILLION,
    PriceBook,
    TableShape,
    Usage,
    bill_call,
    cost_per_million,
    lambda_usages,
    observability_usages,
    scale,
    sqs_trigger_usages,
    usage_table,
    usages_from_bills,
)
from bench.stats import size
from bench.template import Stack

_UNIQUE_ID = "switchboard-bench-request-counter"
_active: list[RequestCounter] = []
_active_lock = threading.Lock()
_installed = False


def _service_and_operation(model: Any) -> tuple[str, str]:
    return model.service_model.endpoint_prefix, model.name


def _params_of(request_dict: Mapping[str, Any]) -> dict[str, Any]:
    """The wire parameters of a JSON-protocol request (DynamoDB, SQS, Secrets Manager); {} for others."""
    import json

    body = request_dict.get("body")
    if isinstance(body, bytes | str) and body[:1] in (b"{", "{"):
        try:
            parsed = json.loads(body)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _before_call(model: Any, params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
    if _active:
        context[_UNIQUE_ID] = _params_of(params)


def _after_call(model: Any, parsed: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
    if _UNIQUE_ID not in context:
        return
    service, operation = _service_and_operation(model)
    with _active_lock:
        counters = list(_active)
    for counter in counters:
        counter.record(service, operation, context[_UNIQUE_ID], parsed or {})


def _hook(emitter: Any) -> None:
    emitter.register("before-call", _before_call, unique_id=_UNIQUE_ID + "-before")
    emitter.register("after-call", _after_call, unique_id=_UNIQUE_ID + "-after")


def install() -> None:
    """Hook every botocore client, present and future. Idempotent."""
    global _installed
    if _installed:
        return
    import botocore.client
    import botocore.handlers
    import botocore.session

    botocore.handlers.BUILTIN_HANDLERS.append(("before-call", _before_call))
    botocore.handlers.BUILTIN_HANDLERS.append(("after-call", _after_call))
    for thing in gc.get_objects():
        if isinstance(thing, botocore.client.BaseClient):
            _hook(thing.meta.events)
        elif isinstance(thing, botocore.session.Session):
            _hook(thing.get_component("event_emitter"))
    _installed = True


@dataclass
class RequestCounter:
    """AWS calls per "service.Operation" and the priced units they bill, while the `with` block runs."""

    shape: TableShape = field(default_factory=TableShape)
    only_thread: int | None = None
    calls: Counter[str] = field(default_factory=Counter)
    bills: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def record(
        self, service: str, operation: str, params: Mapping[str, Any], parsed: Mapping[str, Any]
    ) -> None:
        if self.only_thread is not None and threading.get_ident() != self.only_thread:
            return
        billed = bill_call(service, operation, params, parsed, self.shape)
        with self._lock:
            self.calls[f"{service}.{operation}"] += 1
            for key, quantity in billed:
                self.bills[key] += quantity

    def __enter__(self) -> RequestCounter:
        install()
        with _active_lock:
            _active.append(self)
        return self

    def __exit__(self, *_: object) -> None:
        with _active_lock:
            _active.remove(self)


# --- scenarios ---------------------------------------------------------------------------------------------


@dataclass
class Phase:
    """One function's share of a unit of work: its calls, log bytes and handler times."""

    name: str
    function_id: str
    module: Any
    counter: RequestCounter
    invocations: int = 0
    log_bytes: int = 0
    times_ms: list[float] = field(default_factory=list)

    def call(self, event: dict[str, Any]) -> Any:
        sink = harness.ByteSink()
        with harness.logs_into(sink), self.counter:
            started = time.perf_counter()
            result = self.module.handler(event, harness.LambdaContext())
            self.times_ms.append((time.perf_counter() - started) * 1000)
        self.invocations += 1
        self.log_bytes += sink.bytes
        return result

    def drain(self, sqs: Any, queue_url: str, batch_size: int) -> None:
        """Invoke with batches from the queue, as the event source mapping does, until it is empty."""
        while (event := harness.sqs_event(sqs, queue_url, batch_size))["Records"]:
            result = self.call(event)
            assert not result["batchItemFailures"], result
            harness.delete_handled(sqs, queue_url, event, result)


@dataclass
class Scenario:
    name: str
    units: int
    phases: list[Phase]
    platform: list[Usage]

    def usages(self, prices: PriceBook) -> list[Usage]:
        counted: defaultdict[str, float] = defaultdict(float)
        for phase in self.phases:
            for key, quantity in phase.counter.bills.items():
                counted[key] += quantity
        invocations = sum(p.invocations for p in self.phases) / self.units
        log_bytes = sum(p.log_bytes for p in self.phases) / self.units
        return [
            *usages_from_bills(counted, self.units),
            *self.platform,
            *observability_usages(prices, invocations=invocations, log_bytes=log_bytes),
        ]

    def calls_per_unit(self) -> dict[str, float]:
        total: Counter[str] = Counter()
        for phase in self.phases:
            total.update(phase.counter.calls)
        return {name: round(count / self.units, 3) for name, count in sorted(total.items())}


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


@dataclass
class Bench:
    """The stack in moto, its handlers imported, and what the scenarios share."""

    stack: Stack
    handlers: dict[str, Any]
    env: dict[str, str]
    sqs: Any

    def phase(self, name: str, function_id: str) -> Phase:
        counter = RequestCounter(shape=self.stack.table_shape(), only_thread=threading.get_ident())
        return Phase(name, function_id, self.handlers[function_id], counter)

    def batch_size(self, phase: Phase) -> int:
        return self.stack.batch_size(phase.function_id)

    def lambda_share(self, phase: Phase, units: int) -> list[Usage]:
        return lambda_usages(
            phase.name,
            invocations=phase.invocations / units,
            memory_mb=self.stack.function(phase.function_id).memory_mb,
            billed_ms_per_invocation=_median(phase.times_ms),
        )

    def trigger_share(self, phase: Phase, queue: str, fifo: bool, messages: int, units: int) -> list[Usage]:
        """Receive + delete per batch the consumer was actually given, per unit of work."""
        per_batch = messages / max(1, phase.invocations)
        return scale(sqs_trigger_usages(queue, fifo=fifo, batch_size=per_batch), messages / units)


def inbound_message(bench: Bench, residents: int) -> Scenario:
    """A resident's SMS: the webhook enqueues it, the consumer stores it (residents already known)."""
    queue = bench.env["INBOUND_QUEUE_URL"]

    def phases() -> tuple[Phase, Phase]:
        return bench.phase("webhook", "TwilioWebhookFn"), bench.phase("inbound consumer", "InboundConsumerFn")

    def send_and_store(senders: list[int], webhook: Phase, consumer: Phase) -> None:
        for index in senders:
            number = harness.resident_number(index)
            form = harness.inbound_form(harness.new_sid(), number, f"bench message {index}")
            response = webhook.call(harness.webhook_event("/twilio/messages", form))
            assert response["statusCode"] == 200, response
        consumer.drain(bench.sqs, queue, bench.batch_size(consumer))

    # Warm-up: first messages create the residents and threads, the clients and the cached secret.
    send_and_store(list(range(residents)), *phases())
    webhook, consumer = phases()
    units = 2 * residents
    send_and_store([i % residents for i in range(units)], webhook, consumer)
    platform = [
        Usage("apigw_http_request", 1, "POST /twilio/messages", counted=False),
        *bench.lambda_share(webhook, units),
        *bench.trigger_share(consumer, "InboundQueue", True, units, units),
        *bench.lambda_share(consumer, units),
    ]
    return Scenario("inbound message", units, [webhook, consumer], platform)


def agent_reply(bench: Bench, threads: list[str], callbacks: int) -> Scenario:
    """An agent's reply: API call, the sender's Twilio call, and the status callbacks Twilio makes for it."""
    import switchboard.twilio_client as twilio_client

    twilio = harness.fake_twilio_transport()

    def phases() -> list[Phase]:
        return [
            bench.phase("agent API", "AgentApiFn"),
            bench.phase("sender", "SmsSenderFn"),
            bench.phase("status webhook", "TwilioStatusFn"),
            bench.phase("status consumer", "StatusConsumerFn"),
        ]

    def reply_round(
        thread_ids: list[str], api: Phase, sender: Phase, webhook: Phase, consumer: Phase
    ) -> None:
        for thread_id in thread_ids:
            response = api.call(harness.reply_event(thread_id, "We are on it."))
            assert response["statusCode"] == 202, response
        already_sent = len(twilio.sent)
        sender.drain(bench.sqs, bench.env["OUTBOUND_QUEUE_URL"], bench.batch_size(sender))
        for sent in twilio.sent[already_sent:]:
            for status in ("sent", "delivered")[:callbacks]:
                form = harness.status_form(sent["sid"], status, sent["To"])
                response = webhook.call(harness.webhook_event("/twilio/status", form))
                assert response["statusCode"] == 200, response
        consumer.drain(bench.sqs, bench.env["STATUS_QUEUE_URL"], bench.batch_size(consumer))

    original = twilio_client.build_http_client
    twilio_client.build_http_client = lambda api_base_url, timeout=10.0: twilio
    try:
        reply_round(threads[:1], *phases())  # warm-up: clients, secret, Twilio client
        measured = phases()
        reply_round(threads, *measured)
    finally:
        twilio_client.build_http_client = original
    api, sender, webhook, consumer = measured
    units = len(threads)
    platform = [
        Usage("apigw_http_request", 1 + callbacks, "reply POST + status callback POSTs", counted=False),
        *bench.lambda_share(api, units),
        *bench.trigger_share(sender, "OutboundQueue", True, units, units),
        *bench.lambda_share(sender, units),
        *bench.lambda_share(webhook, units),
        *bench.trigger_share(consumer, "StatusQueue", False, units * callbacks, units),
        *bench.lambda_share(consumer, units),
    ]
    return Scenario("agent reply", units, measured, platform)


def _thread_ids(env: dict[str, str]) -> list[str]:
    import boto3

    table = boto3.resource("dynamodb", region_name=harness.REGION).Table(env["TABLE_NAME"])
    return [str(item["thread_id"]) for item in table.scan()["Items"] if item.get("sk") == "META"]


# --- floors: the fewest requests the design could make ------------------------------------------------------


@dataclass(frozen=True)
class Floor:
    """The fewest requests the design could make for one unit of work, and what they bill."""

    usages: list[Usage]
    dynamodb_requests: float  # DynamoDB bills units, not requests: a transaction is one request

    @property
    def requests(self) -> float:
        return self.dynamodb_requests + sum(
            u.quantity for u in self.usages if not u.key.startswith("dynamodb")
        )


def inbound_floor(batch_size: int) -> Floor:
    """docs/architecture.md's minimum: one HTTP API request, one webhook invocation, one FIFO send, the
    consumer's share of a full batch, and the one 3-item transaction (+ the thread's move in the index)."""
    usages = [
        Usage("apigw_http_request", 1, "webhook POST"),
        Usage("lambda_request", 1 + 1 / batch_size, "webhook + consumer share"),
        Usage("sqs_fifo_request", 1 + 2 / batch_size, "send + receive/delete share"),
        Usage("dynamodb_write_request_unit", 3 * 2 + 2, "3-item transaction + index move"),
    ]
    return Floor(usages, dynamodb_requests=1)


def reply_floor(batch_size: int, callbacks: int) -> Floor:
    """API request and invocation, a 2-item transaction (+ index move), the FIFO send and the sender's batch
    share, a read and a 2-item transaction for the SID, then per status callback: a request, an invocation,
    a standard send, the consumer's share, a read of the SID item and a conditional update."""
    usages = [
        Usage("apigw_http_request", 1 + callbacks, "reply POST + callbacks"),
        Usage("lambda_request", 1 + 1 / batch_size + callbacks * (1 + 1 / batch_size), "invocations"),
        Usage("sqs_fifo_request", 1 + 2 / batch_size, "reply send + trigger share"),
        Usage("sqs_standard_request", callbacks * (1 + 2 / batch_size), "callback sends + trigger share"),
        Usage("dynamodb_write_request_unit", 2 * 2 + 2 + 2 * 2 + callbacks, "writes"),
        Usage("dynamodb_read_request_unit", 0.5 + callbacks * 0.5, "reads"),
    ]
    return Floor(usages, dynamodb_requests=3 + 2 * callbacks)


# --- run ---------------------------------------------------------------------------------------------------


def run(stack: Stack, prices: PriceBook) -> dict[str, Any]:
    install()  # before any client exists, so cached clients are hooked from birth
    import boto3
    from moto import mock_aws

    residents = size("request_residents", 10, 5)
    callbacks = int(prices.assumptions["status_callbacks_per_reply"])
    with mock_aws():
        env = harness.bring_up(stack)
        with harness.environment(env):
            bench = Bench(
                stack, harness.load_handlers(stack), env, boto3.client("sqs", region_name=harness.REGION)
            )
            inbound = inbound_message(bench, residents)
            reply = agent_reply(bench, _thread_ids(env), callbacks)
    batch = stack.batch_size("InboundConsumerFn")
    return {
        "inbound_message": _report(
            inbound, prices, inbound_floor(batch), prices.usd("twilio_sms_inbound_segment")
        ),
        "agent_reply": _report(
            reply, prices, reply_floor(batch, callbacks), prices.usd("twilio_sms_outbound_segment")
        ),
        "alert_recipient": {"status": "not built yet"},
        "booked_callback": {"status": "measured on the local stack (bench.booked_callback)"},
    }


def _report(scenario: Scenario, prices: PriceBook, floor: Floor, twilio_usd: float) -> dict[str, Any]:
    usages = scenario.usages(prices)
    calls = scenario.calls_per_unit()
    platform_requests = sum(
        u.quantity
        for u in scenario.platform
        if u.key in ("apigw_http_request", "lambda_request") or u.key.startswith("sqs")
    )
    counted_aws = sum(calls.values())
    return {
        "status": "ok",
        "units": scenario.units,
        "aws_calls_per_unit_counted": calls,
        "aws_calls_per_unit_counted_total": round(counted_aws, 3),
        "platform_requests_per_unit": round(platform_requests, 3),
        "requests_per_unit_total": round(counted_aws + platform_requests, 3),
        "floor_requests_per_unit": round(floor.requests, 3),
        "handler_ms_median": {p.name: round(_median(p.times_ms), 2) for p in scenario.phases},
        "log_bytes_per_unit": round(sum(p.log_bytes for p in scenario.phases) / scenario.units),
        "usages": usage_table(usages, prices),
        "usd_per_million": round(cost_per_million(usages, prices), 2),
        "usd_per_million_requests_only": round(
            cost_per_million([u for u in usages if u.key not in _OBSERVABILITY], prices), 2
        ),
        "floor_usd_per_million": round(cost_per_million(floor.usages, prices), 2),
        "twilio_usd_per_million": round(twilio_usd * MILLION, 2),
    }


_OBSERVABILITY = {"cloudwatch_logs_ingest_gb", "xray_trace_recorded"}
