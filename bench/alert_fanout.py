"""An alert to N subscribers across 20 zones, on the local stack: the real API, planner, paced sender, local
Twilio and status callbacks.

Figures:
- `enqueue_s`: from the supervisor's POST /api/alerts to the planner having put every (alert, resident)
  message on AlertSendQueue (the alert's `enqueued_at`, polled through the API).
- `send_s`, `sent_per_second` against `configured_rate`: from the first to the last text the local Twilio
  received; `max_in_one_second` is the busiest wall-clock second (the pacing bound: never above the rate).
- `aws_requests_per_recipient`: every AWS call the handlers made (botocore hooks), per recipient, by
  operation, from the POST until every text was delivered. The local stack's pollers stand in for Lambda's
  event source mappings and are not counted (`booked_callback.POLLER_OPERATIONS`), nor is this driver.
- `duplicates`: texts beyond one per recipient at the local Twilio (must be 0); `missing`: recipients
  without one.

The alert is an emergency so that the figures do not depend on the hour the benchmark runs (a non-emergency
sent in quiet hours waits until 08:00; the only other difference is one cached read per container).
N = 2,000 by default, BENCH_QUICK=1 → 500, BENCH_ALERT_RECIPIENTS overrides (the issue's 100,000 is
BENCH_ALERT_RECIPIENTS=100000). The default is small because the local stack sends through one in-process
poller at a few texts per second on this machine (measured 1.9-5.1/s): 100,000 deliveries would take hours
here, while enqueueing, requests per recipient and duplicates are already visible at 2,000. Run alone:
`.venv/bin/python -m bench.alert_fanout`.

BENCH_ALERT_SEND_WINDOW_S=S measures the issue's full size within the time this machine has: every
recipient is enqueued (the enqueue figure is complete), then sending is watched for S seconds only. The
figures are then `sent_in_window` (the texts the local Twilio received), their rate and busiest second,
duplicates among them, and the AWS requests per recipient estimated as (requests until enqueued, minus the
sends made meanwhile at the per-send cost measured after) / recipients + requests per send after enqueueing.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections import Counter
from typing import Any

from bench.booked_callback import ExcludingCounter, _table_shape
from bench.concurrency import concurrency_used, reset
from bench.cost_model import MILLION, PriceBook, Usage, cost_per_million, usages_from_bills
from bench.harness import write_items
from bench.requests_count import Floor
from bench.stats import size

ZONES = [f"zip:{94100 + n}" for n in range(20)]
DEFAULT_RECIPIENTS, QUICK_RECIPIENTS = 2_000, 500  # every text delivered (make bench's default run)
CONFIGURED_RATE = 100  # messages per second (AlertSendRate): a short code's throughput
TOPIC = "STORM"
TEXT = "Storm warning: flooding expected on low roads tonight. Avoid driving if you can."
TIMEOUT_S = 3600.0


def recipient(index: int) -> str:
    return f"+1555{3000000 + index:07d}"


def seed_subscribers(table_name: str, count: int) -> None:
    """Subscribers as the consent ledger leaves them (state + subscriber item), written in bulk."""
    items: list[dict[str, Any]] = []
    for index in range(count):
        address = recipient(index)
        zone = ZONES[index % len(ZONES)]
        language = "es" if index % 5 == 0 else "en"
        items.append(
            {
                "pk": f"ADDR#{address}",
                "sk": "CONSENT",
                "opted_out_all": False,
                "topics": [TOPIC],
                "stopped_topics": [],
                "suspended_topics": [],
                "zones": [zone],
                "language": language,
                "version": 1,
            }
        )
        items.append(
            {
                "pk": f"SUBS#{TOPIC}",
                "sk": f"ADDR#{address}",
                "address": address,
                "zones": [zone],
                "language": language,
            }
        )
    write_items(table_name, items)


def recipient_floor(callbacks: int, rate: int, batch_size: int = 10) -> Floor:
    """The fewest requests this design could make per alert recipient, by its steps:
    - planning: the recipient's share of a subscriber Query page and of a SendMessageBatch of ten;
    - sending: the sender's share of an invocation and of a receive/delete of its batch, one strongly
      consistent consent read, the claim (a conditional write), the pacer's shared counter (one write per
      quarter of a second's tokens), and one 3-item transaction recording the send (the delivery, the
      resident's thread and the message in it);
    - per status callback: a POST, an invocation, a standard send, the consumer's share of a batch, a read
      of the SID item and a conditional update.
    Usages marked counted are the handlers' own AWS SDK calls, what this benchmark counts; the others are
    the platform's (API Gateway, Lambda, the event source mappings' receive/delete)."""
    usages = [
        Usage("sqs_standard_request", 1 / batch_size + callbacks, "send batch share, callback sends"),
        Usage(
            "dynamodb_write_request_unit",
            1 + 1 / max(1, rate // 4) + 3 * 2 + callbacks,
            "claim, pacer share, 3-item transaction, callbacks",
        ),
        Usage(
            "dynamodb_read_request_unit", 0.01 + 1 + callbacks * 0.5, "subscribers page share, consent, SIDs"
        ),
        Usage("apigw_http_request", callbacks, "status callback POSTs", counted=False),
        Usage(
            "lambda_request",
            1 / batch_size + callbacks * (1 + 1 / batch_size),
            "sender share, callback webhook and consumer",
            counted=False,
        ),
        Usage(
            "sqs_standard_request", (1 + callbacks) * 2 / batch_size, "receive/delete shares", counted=False
        ),
    ]
    dynamodb_requests = 0.01 + 1 + 1 + 1 / max(1, rate // 4) + 1 + callbacks * 2
    return Floor(usages, dynamodb_requests=dynamodb_requests)


def counted_part(floor: Floor) -> Floor:
    """The floor of what the benchmark counts: the handlers' SDK calls."""
    return Floor([u for u in floor.usages if u.counted], dynamodb_requests=floor.dynamodb_requests)


def run_on(
    local: Any, prices: PriceBook, recipients: int | None = None, window_s: float | None = None
) -> dict[str, Any]:
    import boto3
    import requests

    from bench.latency import DEMO_LOGIN
    from infra.local.workflows import wait_for

    count = recipients or size("alert_recipients", 2_000, 500)
    if window_s is None:
        window_s = float(os.environ.get("BENCH_ALERT_SEND_WINDOW_S") or 0)
    table = boto3.resource("dynamodb", endpoint_url=local.moto_url, region_name="us-east-1").Table(
        local.outputs["TableName"]
    )
    seeded = time.perf_counter()
    seed_subscribers(local.outputs["TableName"], count)
    seed_s = time.perf_counter() - seeded
    http = requests.Session()
    http.headers["Authorization"] = "Bearer " + local.sign_in(*DEMO_LOGIN)
    api = local.api_url.rstrip("/")
    rate = int(local.config.parameters.get("AlertSendRate", CONFIGURED_RATE))
    request: dict[str, Any] = {
        "title": "Bench storm warning",
        "topics": [TOPIC],
        "zones": ZONES,
        "texts": {"en": TEXT, "es": "Aviso de tormenta: se esperan inundaciones esta noche."},
        "emergency": True,
        "emergency_reason": "benchmark",
        "send_at": None,
        "track_links": False,
    }
    before = len(local.twilio.sent)
    counter = ExcludingCounter(threading.get_ident(), shape=_table_shape(local))

    def alert(alert_id: str) -> dict[str, Any]:
        return dict(http.get(f"{api}/api/alerts/{alert_id}", timeout=30).json()["alert"])

    def delivered(alert_id: str) -> int:
        # Read by this thread (not counted), not through the API (whose requests would be).
        from alerts.dal.alerts_table import AlertsTable

        return AlertsTable(table).figures(alert_id)[0]["delivered"]

    reset(local)
    with counter:
        started = time.perf_counter()
        response = http.post(f"{api}/api/alerts", json=request, timeout=60)
        response.raise_for_status()
        alert_id = response.json()["alert"]["alert_id"]
        wait_for(
            lambda: (
                table.get_item(Key={"pk": f"ALERT#{alert_id}", "sk": "META"}, ConsistentRead=True)
                .get("Item", {})
                .get("enqueued_at")
            ),
            timeout_s=TIMEOUT_S,
            every_s=0.05,
        )
        enqueue_s = time.perf_counter() - started
        if window_s:
            return _sampled(local, counter, before, count, enqueue_s, window_s, prices)
        wait_for(lambda: delivered(alert_id) >= count, timeout_s=TIMEOUT_S, every_s=0.5)
        done_s = time.perf_counter() - started
        local.wait_until_idle(120)
    final = alert(alert_id)
    with local.twilio.lock:
        texts = [(m.to, m.created) for m in local.twilio.sent[before:]]
    per_recipient = Counter(to for to, _ in texts)
    created = sorted(at for _, at in texts)
    per_second = Counter(int(at) for at in created)
    send_s = (created[-1] - created[0]) if len(created) > 1 else 0.0
    calls = {name: round(n / count, 3) for name, n in sorted(counter.calls.items())}
    counted_cost = cost_per_million(usages_from_bills(counter.bills, count), prices)
    floor = counted_part(recipient_floor(int(prices.assumptions["status_callbacks_per_reply"]), rate))
    return {
        "status": "ok",
        "recipients": count,
        "zones": len(ZONES),
        "seed_s": round(seed_s, 1),
        "enqueue_s": round(enqueue_s, 2),
        "enqueued_per_second": round(count / enqueue_s, 1) if enqueue_s else None,
        "all_delivered_s": round(done_s, 1),
        "send_s": round(send_s, 2),
        "sent_per_second": round((len(created) - 1) / send_s, 1) if send_s else None,
        "configured_rate": rate,
        "max_in_one_second": max(per_second.values()) if per_second else 0,
        "duplicates": sum(n - 1 for n in per_recipient.values() if n > 1),
        "missing": count - len(per_recipient),
        "figures": final["figures"],
        "aws_requests_per_recipient": round(sum(counter.calls.values()) / count, 2),
        "aws_requests_by_operation": calls,
        "counted_aws_cost_per_million_recipients_usd": round(counted_cost, 2),
        "floor_requests_per_recipient": round(floor.requests, 2),  # SDK calls, as counted
        "floor_usd_per_million_recipients": round(cost_per_million(floor.usages, prices), 2),
        "twilio_usd_per_million_recipients": round(prices.usd("twilio_sms_outbound_segment") * MILLION, 2),
        "concurrency": concurrency_used(local),
        "note": "emergency alert (quiet hours not in play); local stack: each mapping up to its maximum "
        "concurrency, handlers and moto in one process, the local Twilio's status callbacks after 0.2 s and "
        "0.5 s",
    }


def _sampled(
    local: Any,
    counter: Any,
    before: int,
    count: int,
    enqueue_s: float,
    window_s: float,
    prices: PriceBook,
) -> dict[str, Any]:
    """Every recipient enqueued; sending watched for `window_s` seconds (see the module's docstring)."""
    with local.twilio.lock:
        sent_at_enqueue = len(local.twilio.sent) - before
    calls_at_enqueue = sum(counter.calls.values())
    time.sleep(window_s)
    with local.twilio.lock:
        texts = [(m.to, m.created) for m in local.twilio.sent[before:]]
    calls_at_end = sum(counter.calls.values())
    sent = len(texts)
    in_window = sent - sent_at_enqueue
    per_send = (calls_at_end - calls_at_enqueue) / in_window if in_window else float("nan")
    planner = (calls_at_enqueue - sent_at_enqueue * per_send) / count if in_window else float("nan")
    per_recipient = Counter(to for to, _ in texts)
    created = sorted(at for _, at in texts)
    per_second = Counter(int(at) for at in created)
    send_s = (created[-1] - created[0]) if len(created) > 1 else 0.0
    return {
        "status": "ok",
        "mode": f"sampled: all {count:,} enqueued, sending watched for {window_s:.0f} s",
        "recipients": count,
        "zones": len(ZONES),
        "enqueue_s": round(enqueue_s, 2),
        "enqueued_per_second": round(count / enqueue_s, 1) if enqueue_s else None,
        "sent_in_window": sent,
        "send_s": round(send_s, 2),
        "sent_per_second": round((sent - 1) / send_s, 1) if send_s else None,
        "configured_rate": int(local.config.parameters.get("AlertSendRate", CONFIGURED_RATE)),
        "max_in_one_second": max(per_second.values()) if per_second else 0,
        "duplicates": sum(n - 1 for n in per_recipient.values() if n > 1),
        "aws_requests_per_recipient_estimated": round(planner + per_send, 2),
        "aws_requests_until_enqueued_per_recipient": round(planner, 2),
        "aws_requests_per_send_after_enqueue": round(per_send, 2),
        "concurrency": concurrency_used(local),
        "note": "emergency alert; the local stack's handlers and moto share one process, so the rate is this "
        "machine's, not Twilio's; delivery of all recipients is measured at 2,000 (the default run)",
    }


def run(recipients: int | None = None, window_s: float | None = None) -> dict[str, Any]:
    from infra.local.seed import seed_demo
    from infra.local.stack import DEMO_AGENCY_NUMBER, LocalStack, LocalStackConfig

    parameters = {"TwilioFromNumber": DEMO_AGENCY_NUMBER, "AlertSendRate": str(CONFIGURED_RATE)}
    local = LocalStack(LocalStackConfig.on_free_ports(parameters=parameters))
    local.start()
    try:
        seed_demo(local)
        return run_on(local, PriceBook.load(), recipients, window_s)
    finally:
        local.stop()


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else None), indent=2))
