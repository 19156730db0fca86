"""AWS requests and cost per booked callback, counted on the local stack with the real workflow running.

One unit of work is a whole callback as a resident and an agent live it: the resident texts CALLBACK and
gets the free slots, picks one by number and gets a confirmation (the booking starts the execution), the
synthesized state machine runs in moto's interpreter (time-accelerated) and texts a reminder, offers the
task at the slot, an agent takes it and reports "done" through the agent API, and the workflow finishes.
Twilio's status callbacks for every text are part of it.

What is counted and what is modelled:
- Counted (botocore event hooks, `requests_count.RequestCounter`): every AWS call the handlers make, in any
  thread: webhooks, consumers, the sender, the agent API, the workflow's Lambda steps.
- Not counted: the bench driver's own look-ups (its thread is excluded) and the calls the local stack makes
  in place of AWS's machinery (`POLLER_OPERATIONS`): the SQS pollers' receive/delete, which stand in for
  Lambda's event source mappings and are modelled per batch handed to a function, as the other request
  figures do; moto's interpreter invoking the Lambda steps; the local scheduler listing schedules.
- Lambda invocations and handler times are counted by wrapping the local functions; Step Functions state
  transitions are read from the execution history (every entered state bills one transition).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bench import harness
from bench.cost_model import (
    MILLION,
    PriceBook,
    Usage,
    cost_per_million,
    lambda_usages,
    observability_usages,
    scale,
    sqs_trigger_usages,
    usage_table,
    usages_from_bills,
)
from bench.requests_count import RequestCounter
from bench.stats import size

# Calls the local stack makes in place of AWS's own machinery: modelled, not counted. The SQS pollers stand
# in for Lambda's event source mappings, moto's interpreter invokes the workflow's Lambda steps through the
# Lambda API (Step Functions' integration, billed as transitions + invocations), and the local scheduler
# lists schedules to fire them (EventBridge Scheduler's own work).
POLLER_OPERATIONS = {
    "lambda.Invoke",
    "scheduler.ListScheduleGroups",
    "scheduler.ListSchedules",
    "scheduler.GetSchedule",
    "sqs.ReceiveMessage",
    "sqs.DeleteMessage",
    "sqs.DeleteMessageBatch",
    "sqs.ChangeMessageVisibility",
    "sqs.ChangeMessageVisibilityBatch",
    "sqs.GetQueueAttributes",
}
QUEUES = {  # function logical-id prefix -> (queue, FIFO?)
    "InboundConsumerFn": ("InboundQueue", True),
    "SmsSenderFn": ("OutboundQueue", True),
    "StatusConsumerFn": ("StatusQueue", False),
}
HTTP_FUNCTIONS = ("TwilioWebhookFn", "TwilioStatusFn", "AgentApiFn")
TIME_SCALE = 20_000.0  # a slot three days away (a weekend) is reached in about 13 s
STEP_TIMEOUT_S = 90.0


@dataclass
class Invocations:
    """Invocations and handler milliseconds per function while counting."""

    active: bool = False
    count: Counter[str] = field(default_factory=Counter)
    times_ms: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def wrap(self, function: Any) -> Any:
        original = function.invoke

        def invoke(event: Any, **options: Any) -> Any:  # options: LocalFunction.invoke's (`concurrent`)
            started = time.perf_counter()
            try:
                return original(event, **options)
            finally:
                if self.active:
                    self.count[function.logical_id] += 1
                    self.times_ms[function.logical_id].append((time.perf_counter() - started) * 1000)

        return invoke


class ExcludingCounter(RequestCounter):
    """A RequestCounter that skips the driver's thread and the pollers' operations."""

    def __init__(self, excluded_thread: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.excluded_thread = excluded_thread
        self.skipped: Counter[str] = Counter()

    def record(self, service: str, operation: str, params: Any, parsed: Any) -> None:
        name = f"{service}.{operation}"
        if threading.get_ident() == self.excluded_thread or name in POLLER_OPERATIONS:
            self.skipped[name] += 1
            return
        super().record(service, operation, params, parsed)


def _until(condition: Any, what: str, timeout_s: float = STEP_TIMEOUT_S) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"booked callback bench: timed out waiting for {what}")


@contextlib.contextmanager
def _time_scale(factor: float) -> Iterator[None]:
    from infra.local.workflows import TimeScale

    before = TimeScale.factor
    TimeScale.factor = factor
    try:
        yield
    finally:
        TimeScale.factor = before


class Driver:
    """The resident (through the local Twilio endpoint) and the agent (through the agent API)."""

    def __init__(self, local: Any) -> None:
        import boto3
        import requests

        from bench.latency import DEMO_LOGIN

        self.local = local
        self.table = boto3.resource(
            "dynamodb", endpoint_url=local.moto_url, region_name=harness.REGION
        ).Table(local.outputs["TableName"])
        self.sfn = boto3.client("stepfunctions", endpoint_url=local.moto_url, region_name=harness.REGION)
        self.http = requests.Session()
        self.http.headers["Authorization"] = "Bearer " + local.sign_in(*DEMO_LOGIN)
        self.api = local.api_url.rstrip("/")

    def texts_to(self, address: str) -> list[dict[str, Any]]:
        return list(self.local.twilio.messages_to(address))

    def thread_of(self, address: str) -> str:
        item = self.table.get_item(Key={"pk": f"ADDR#{address}", "sk": "RESIDENT"}).get("Item")
        return str(item["thread_id"]) if item else ""

    def callback_of(self, thread_id: str) -> dict[str, Any] | None:
        pointer = self.table.get_item(Key={"pk": f"CBTHREAD#{thread_id}", "sk": "META"}).get("Item")
        if not pointer:
            return None
        item = self.table.get_item(Key={"pk": f"CALLBACK#{pointer['callback_id']}", "sk": "META"}).get("Item")
        return dict(item) if item else None

    def status_of(self, thread_id: str) -> str:
        callback = self.callback_of(thread_id)
        return str(callback.get("status", "")) if callback else ""

    def texted(self, address: str, count: int) -> list[dict[str, Any]]:
        return _until(lambda: len(t := self.texts_to(address)) >= count and t, f"{count} texts")

    def agent_post(self, path: str, body: dict[str, Any] | None = None) -> None:
        response = self.http.post(f"{self.api}{path}", json=body or {}, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"booked callback bench: POST {path} answered {response.status_code}")

    def execution(self, callback_id: str) -> dict[str, Any]:
        arn = self.local.state_machine_arn("CallbackWorkflow").replace(":stateMachine:", ":execution:")
        return dict(self.sfn.describe_execution(executionArn=f"{arn}:{callback_id}"))

    def transitions(self, execution_arn: str) -> int:
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn}
        while True:
            page = self.sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        return sum(1 for e in events if e["type"].endswith("StateEntered"))

    def settled(self, address: str) -> bool:
        """Every text to this resident has had its final status callback stored."""
        thread_id = self.thread_of(address)
        items = self.table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
            ExpressionAttributeValues={":pk": f"THREAD#{thread_id}", ":msg": "MSG#"},
        )["Items"]
        outbound = [i for i in items if i.get("direction") == "out"]
        return bool(outbound) and all(
            i.get("status") in ("delivered", "undelivered", "failed") for i in outbound
        )

    def book_and_complete(self, address: str) -> tuple[int, str]:
        """One booked callback, start to finish. Returns (texts sent to the resident, execution ARN)."""
        before = len(self.texts_to(address))
        self.local.send_inbound(address, "CALLBACK")
        offered = self.texted(address, before + 1)[-1]["body"]
        if "1" not in offered:
            raise RuntimeError("booked callback bench: no slots were offered")
        self.local.send_inbound(address, "1")
        self.texted(address, before + 2)
        thread_id = self.thread_of(address)
        callback = _until(lambda: self.callback_of(thread_id), "the booking")
        callback_id = str(callback["callback_id"])
        _until(
            lambda: (c := self.callback_of(thread_id)) and c.get("status") == "due", "the task at the slot"
        )
        self.agent_post(f"/api/callbacks/{callback_id}/take")
        _until(lambda: (c := self.callback_of(thread_id)) and c.get("status") == "in_call", "the call")
        self.agent_post(f"/api/callbacks/{callback_id}/outcome", {"outcome": "done"})
        result = _until(
            lambda: (e := self.execution(callback_id))["status"] != "RUNNING" and e, "the workflow's end"
        )
        if result["status"] != "SUCCEEDED":
            raise RuntimeError(f"booked callback bench: the workflow ended {result['status']}")
        _until(lambda: self.settled(address), "the status callbacks")
        return len(self.texts_to(address)) - before, str(result["executionArn"])


def run_on(local: Any, prices: PriceBook) -> dict[str, Any]:
    from infra.local.workflows import register_functions

    units = size("booked_callbacks", 10, 3)
    driver = Driver(local)
    invocations = Invocations()
    originals = {}
    for function in local.functions.values():
        originals[function.logical_id] = function.invoke
        function.invoke = invocations.wrap(function)
    register_functions({key: f.invoke for f in local.functions.values() for key in (f.arn, f.name)})
    addresses = [harness.resident_number(700_000 + index) for index in range(units + 1)]
    try:
        local.wait_until_idle(900)  # what earlier sections left (the latency burst) drains first, uncounted
        for address in addresses:  # residents and threads exist before (as for the inbound figure)
            local.send_inbound(address, "Hello, I need to talk to someone about my permit.")
        local.wait_until_idle(120)
        with _time_scale(TIME_SCALE):
            driver.book_and_complete(addresses[0])  # warm-up: clients, secret, handlers imported
            local.wait_until_idle(60)
            counter = ExcludingCounter(threading.get_ident(), shape=_table_shape(local))
            sink = harness.ByteSink()
            texts, transitions = 0, 0
            invocations.active = True
            with harness.logs_into(sink), counter:
                for address in addresses[1:]:
                    sent, execution_arn = driver.book_and_complete(address)
                    texts += sent
                    transitions += driver.transitions(execution_arn)
                local.wait_until_idle(60)
            invocations.active = False
    finally:
        for function in local.functions.values():
            function.invoke = originals[function.logical_id]
        register_functions({key: f.invoke for f in local.functions.values() for key in (f.arn, f.name)})
    return _report(local, prices, units, counter, invocations, sink.bytes, texts, transitions)


def _table_shape(local: Any) -> Any:
    from bench.template import Stack

    return Stack(local.synthesized.template).table_shape()


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def _report(
    local: Any,
    prices: PriceBook,
    units: int,
    counter: ExcludingCounter,
    invocations: Invocations,
    log_bytes: int,
    texts: int,
    transitions: int,
) -> dict[str, Any]:
    callbacks = int(prices.assumptions["status_callbacks_per_reply"])
    platform: list[Usage] = []
    http_requests = 0.0
    for logical_id, count in sorted(invocations.count.items()):
        function = next(f for f in local.functions.values() if f.logical_id == logical_id)
        platform += lambda_usages(
            logical_id,
            invocations=count / units,
            memory_mb=function.memory_mb,
            billed_ms_per_invocation=_median(invocations.times_ms[logical_id]),
        )
        if logical_id.startswith(HTTP_FUNCTIONS):
            http_requests += count / units
        for prefix, (queue, fifo) in QUEUES.items():
            if logical_id.startswith(prefix):
                # One receive + delete per batch handed to the function; one message a batch here, as a
                # resident's texts arrive one at a time.
                platform += scale(sqs_trigger_usages(queue, fifo=fifo, batch_size=1), count / units)
    platform += [
        Usage("apigw_http_request", http_requests, "webhooks, status callbacks, agent take + outcome", False),
        Usage(
            "stepfunctions_standard_transition", transitions / units, "states entered per execution", False
        ),
    ]
    calls = {name: round(count / units, 3) for name, count in sorted(counter.calls.items())}
    invoked = sum(invocations.count.values()) / units
    usages = [
        *usages_from_bills(counter.bills, units),
        *platform,
        *observability_usages(prices, invocations=invoked, log_bytes=log_bytes / units),
    ]
    platform_requests = sum(
        u.quantity
        for u in platform
        if u.key in ("apigw_http_request", "lambda_request", "stepfunctions_standard_transition")
        or u.key.startswith("sqs")
    )
    floor = _floor(callbacks)
    counted = sum(calls.values())
    return {
        "status": "ok",
        "units": units,
        "time_scale": TIME_SCALE,
        "texts_per_unit": round(texts / units, 3),
        "state_transitions_per_unit": round(transitions / units, 3),
        "lambda_invocations_per_unit": {k: round(v / units, 3) for k, v in sorted(invocations.count.items())},
        "aws_calls_per_unit_counted": calls,
        "aws_calls_per_unit_counted_total": round(counted, 3),
        "platform_requests_per_unit": round(platform_requests, 3),
        "requests_per_unit_total": round(counted + platform_requests, 3),
        "floor_requests_per_unit": round(floor.requests, 3),
        "handler_ms_median": {k: round(_median(v), 2) for k, v in sorted(invocations.times_ms.items())},
        "log_bytes_per_unit": round(log_bytes / units),
        "usages": usage_table(usages, prices),
        "usd_per_million": round(cost_per_million(usages, prices), 2),
        "usd_per_million_requests_only": round(
            cost_per_million(
                [u for u in usages if u.key not in ("cloudwatch_logs_ingest_gb", "xray_trace_recorded")],
                prices,
            ),
            2,
        ),
        "floor_usd_per_million": round(cost_per_million(floor.usages, prices), 2),
        # Two texts in (CALLBACK, the pick) and three out (slots, confirmation, reminder).
        "twilio_usd_per_million": round(
            (2 * prices.usd("twilio_sms_inbound_segment") + 3 * prices.usd("twilio_sms_outbound_segment"))
            * MILLION,
            2,
        ),
    }


@dataclass(frozen=True)
class _Floor:
    usages: list[Usage]
    dynamodb_requests: float  # DynamoDB bills units, not requests: a transaction is one request
    workflow_api_requests: float  # StartExecution, SendTaskSuccess: requests Step Functions does not bill

    @property
    def requests(self) -> float:
        others = sum(u.quantity for u in self.usages if not u.key.startswith("dynamodb"))
        return self.dynamodb_requests + self.workflow_api_requests + others


def _floor(callbacks: int) -> _Floor:
    """The fewest requests this design could make for a booked callback, by its steps:
    - two texts in (CALLBACK, the pick): a webhook POST and invocation, a FIFO send, the consumer's share of
      a receive/delete and one 3-item transaction each;
    - the offer: read the roster and the booked slots, write the offer; the booking: one transaction and a
      StartExecution;
    - three texts out (slots, confirmation, reminder): a 2-item transaction and a FIFO send where the text
      is written, the sender's invocation, receive/delete share and SID transaction, and per status
      callback a POST, an invocation, a standard send, the consumer's share, a read and a write;
    - the workflow's nine states on the happy path (Start, two waits, Remind, OfferToAgents, AwaitOutcome,
      Outcome, Done, Finished), four of them Lambda steps that each write the callback once;
    - the agent's take and outcome: a POST, an invocation, a conditional write and a SendTaskSuccess each."""
    texts_in, texts_out = 2, 3
    usages = [
        Usage("apigw_http_request", texts_in + texts_out * callbacks + 2, "webhooks, callbacks, agent"),
        Usage(
            "lambda_request",
            texts_in * 2 + texts_out * (1 + callbacks * 2) + 4 + 2,
            "one invocation per message, status callback, step and API call",
        ),
        Usage("sqs_fifo_request", texts_in * 3 + texts_out * 3, "send + receive + delete"),
        Usage("sqs_standard_request", texts_out * callbacks * 3, "status: send + receive + delete"),
        Usage("stepfunctions_standard_transition", 9, "states on the happy path"),
        Usage(
            "dynamodb_write_request_unit",
            texts_in * 6 + 2 + 4 + texts_out * (4 + 4 + callbacks) + 4 + 2,
            "inbound transactions, offer, booking, texts, status, steps, agent",
        ),
        Usage("dynamodb_read_request_unit", 1 + texts_out * callbacks * 0.5, "roster/slots, status reads"),
    ]
    dynamodb_requests = texts_in + 3 + 1 + texts_out * (2 + 2 * callbacks) + 4 + 2
    return _Floor(usages, dynamodb_requests=dynamodb_requests, workflow_api_requests=1 + 2)
