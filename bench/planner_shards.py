"""The alert planner's sharded fan-out with in-memory fakes: `python -m bench.planner_shards`.

The real planner code (alerts.logic.fanout.plan, alerts.logic.shards, the real SqsDeliveryQueue and
SqsPlanQueue with their batches of ten and eight batches in flight) runs against an in-memory alert store and
an in-memory SQS whose every SendMessageBatch takes `BENCH_SQS_LATENCY_MS` (default 15 ms, an assumed
in-region round trip: a model, not a measurement). The planner's own queue is drained by `concurrency`
workers, as the event source mapping's maximum concurrency would run the shard jobs side by side.

Figures per concurrency (1, 4, 16; shards = concurrency, so each worker has one shard):
- `enqueue_s`: from the plan job to the alert marked enqueued, wall clock on this machine.
- `cpu_s`: this process's CPU time over the same span (the 2 cores are shared by every worker here; in the
  cloud each shard is its own function with its own CPU).
- `enqueued`, `unique`, `duplicates`, `missing`: deliveries on the send queue against the audience.

Then one alert to `BENCH_PLANNER_MILLION` (default 1,000,000; BENCH_QUICK=1: 100,000) residents at the
template's planner concurrency, and its extrapolation to Lambda: the coordinator's measured CPU time (one
function), plus ceil(shards / concurrency) rounds of one shard's time, a shard's time being its measured CPU
time per resident x residents per shard plus its SendMessageBatch calls / 8 in flight x the latency. Local
CPU time is taken as Lambda's at the planner's memory size (1,024 MB is about 0.58 vCPU: so scaled by
1 / 0.58, a model).
"""

from __future__ import annotations

import bisect
import json
import math
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from bench.stats import size

ALERT_ID = "al00000000000000aa"
TOPICS = ("STORM", "WATER")
ZONES = tuple(f"zip:{94100 + n}" for n in range(20))
LAMBDA_VCPU_AT_PLANNER_MEMORY = 1024 / 1769  # Lambda: one full vCPU at 1,769 MB, CPU in proportion to memory


def resident(index: int) -> str:
    # A bijection of 0..8e9 (the multiplier is coprime with it): distinct numbers spread over the range.
    return f"+1{2000000000 + index * 2654435761 % 8000000000:010d}"


@dataclass
class MemoryAlertStore:
    """The planner's view of the table, in memory: each topic's subscribers in address (sort key) order."""

    alert: Any
    topics: dict[str, list[tuple[str, Any]]]
    enqueued_at: list[str] = field(default_factory=list)
    done: set[int] = field(default_factory=set)
    started: list[tuple[int, dict[str, int]]] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._keys = {topic: [address for address, _ in rows] for topic, rows in self.topics.items()}

    def get_alert(self, alert_id: str, *, consistent: bool = False) -> Any:
        self.calls["GetItem"] += 1
        return replace(self.alert, enqueued_at=self.enqueued_at[0] if self.enqueued_at else None)

    def subscribers(
        self, topic: str, *, first: str | None = None, before: str | None = None
    ) -> Iterator[Any]:
        keys, rows = self._keys.get(topic, []), self.topics.get(topic, [])
        low = bisect.bisect_left(keys, first) if first else 0
        high = bisect.bisect_left(keys, before) if before else len(keys)
        self.calls["Query"] += max(1, math.ceil((high - low) / 5000))  # ~5,000 subscriber items per 1 MB page
        for _, subscriber in rows[low:high]:
            yield subscriber

    def start_sending(self, alert_id: str, audience: int, at: str, *, by_channel: Any = None) -> bool:
        self.calls["TransactWriteItems"] += 1
        with self._lock:
            if self.started:
                return False
            self.started.append((audience, dict(by_channel or {})))
            self.alert = replace(self.alert, status="sending")
            return True

    def mark_enqueued(self, alert_id: str, at: str) -> None:
        self.calls["UpdateItem"] += 1
        with self._lock:
            self.enqueued_at.append(at)

    def wave(self, alert_id: str, wake_at: str) -> Iterator[dict[str, Any]]:
        return iter(())

    def shards_done(self, alert_id: str) -> frozenset[int]:
        self.calls["GetItem"] += 1
        with self._lock:
            return frozenset(self.done)

    def finish_shard(self, alert_id: str, shard: int) -> frozenset[int]:
        self.calls["UpdateItem"] += 1
        with self._lock:
            self.done.add(shard)
            return frozenset(self.done)


class MemorySqs:
    """send_message_batch into per-URL lists, each call taking `latency_s` (the GIL is free meanwhile).
    `fail_sends`: that many of the next calls to `fail_url` raise, like a throttled or failing SQS."""

    def __init__(self, latency_s: float = 0.0) -> None:
        self.latency_s = latency_s
        self.bodies: dict[str, list[str]] = {}
        self.calls: Counter[str] = Counter()
        self.fail_url = ""
        self.fail_sends = 0
        self._lock = threading.Lock()

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, str]]) -> dict[str, Any]:  # noqa: N803
        if self.latency_s:
            time.sleep(self.latency_s)
        with self._lock:
            self.calls[QueueUrl] += 1
            if QueueUrl == self.fail_url and self.fail_sends > 0:
                self.fail_sends -= 1
                raise ConnectionError("SQS unavailable (injected)")
            self.bodies.setdefault(QueueUrl, []).extend(entry["MessageBody"] for entry in Entries)
        return {"Successful": [{"Id": entry["Id"]} for entry in Entries], "Failed": []}

    def take(self, url: str) -> list[str]:
        with self._lock:
            taken, self.bodies[url] = self.bodies.get(url, []), []
            return taken


SEND_URL, PLAN_URL = "memory://AlertSendQueue", "memory://AlertPlanQueue"


def alert_store(residents: int) -> MemoryAlertStore:
    """`residents` on two topics (every tenth on both: chosen once), in 20 zones, every fifth in Spanish."""
    from alerts.logic.audience import Subscriber
    from alerts.models.alerts import Alert

    alert = Alert(
        alert_id=ALERT_ID,
        title="Storm",
        status="scheduled",
        created_at="2026-12-07T00:00:00.000000Z",
        created_by="sup",
        send_at=None,
        emergency=True,
        emergency_reason="storm",
        topics=TOPICS,
        zones=(),
        texts={"en": "Storm warning.", "es": "Aviso de tormenta."},
        track_links=False,
    )
    topics: dict[str, list[tuple[str, Any]]] = {topic: [] for topic in TOPICS}
    for index in range(residents):
        address = resident(index)
        subscriber = Subscriber(address, (ZONES[index % len(ZONES)],), "es" if index % 5 == 0 else "en")
        topics[TOPICS[index % 2]].append((address, subscriber))
        if index % 10 == 0:
            topics[TOPICS[(index + 1) % 2]].append((address, subscriber))
    for rows in topics.values():
        rows.sort(key=lambda row: row[0])
    return MemoryAlertStore(alert, topics)


def run_alert(store: MemoryAlertStore, sqs: MemorySqs, concurrency: int, shard_size: int) -> dict[str, Any]:
    """The plan job, then the planner queue drained by `concurrency` workers until the alert is enqueued
    (a shard job that raised stays on the queue and runs again, as SQS would redeliver it)."""
    from alerts.integrations.queues import SqsDeliveryQueue, SqsPlanQueue
    from alerts.logic.fanout import Sharding, plan
    from alerts.models.alerts import PlanJob

    sharding = Sharding(store, SqsPlanQueue(sqs, PLAN_URL), size=shard_size)
    queue = SqsDeliveryQueue(sqs, SEND_URL)
    now = lambda: datetime(2026, 12, 7, 12, tzinfo=UTC)  # noqa: E731
    started, cpu_started = time.perf_counter(), time.process_time()
    plan(PlanJob(kind="alert.plan", alert_id=ALERT_ID), store, queue, now=now, sharding=sharding)
    coordinator_s, coordinator_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    redelivered = 0
    pending = [PlanJob.model_validate_json(body) for body in sqs.take(PLAN_URL)]
    shards = len(pending)
    while pending:

        def run(job: PlanJob) -> PlanJob | None:
            try:
                plan(job, store, queue, now=now, sharding=sharding)
                return None
            except Exception:  # noqa: BLE001 - the job goes back on the queue, as SQS redelivers it
                return job

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            pending = [job for job in pool.map(run, pending) if job is not None]
        redelivered += len(pending)
    wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    keys: Counter[tuple[str, str]] = Counter()
    for body in sqs.bodies.get(SEND_URL, []):
        job = json.loads(body)
        keys[(job["address"], job.get("channel", "sms"))] += 1
    audience = store.started[0][0] if store.started else 0
    return {
        "concurrency": concurrency,
        "shards": shards,
        "shard_size": shard_size,
        "audience": audience,
        "enqueue_s": round(wall_s, 2),
        "cpu_s": round(cpu_s, 2),
        "coordinator_s": round(coordinator_s, 2),
        "coordinator_cpu_s": round(coordinator_cpu_s, 2),
        "enqueued": sum(keys.values()),
        "unique": len(keys),
        "duplicates": sum(keys.values()) - len(keys),
        "missing": audience - len(keys),
        "marked_enqueued": len(store.enqueued_at),
        "shard_jobs_run_again": redelivered,
        "send_batches": sqs.calls[SEND_URL],
        "store_calls": dict(store.calls),
    }


def extrapolate(row: dict[str, Any], concurrency: int, latency_s: float) -> dict[str, Any]:
    """Lambda's time for the same alert, from the measured CPU times (scaled to the planner's vCPU share)."""
    scale = 1 / LAMBDA_VCPU_AT_PLANNER_MEMORY
    shard_cpu_s = (row["cpu_s"] - row["coordinator_cpu_s"]) / max(1, row["shards"]) * scale
    batches_per_shard = row["send_batches"] / max(1, row["shards"])
    shard_s = shard_cpu_s + batches_per_shard / 8 * latency_s
    rounds = math.ceil(row["shards"] / concurrency)
    coordinator_s = row["coordinator_cpu_s"] * scale + row["store_calls"].get("Query", 0) * latency_s
    return {
        "concurrency": concurrency,
        "coordinator_s": round(coordinator_s, 1),
        "shard_s": round(shard_s, 2),
        "rounds": rounds,
        "queued_in_s": round(coordinator_s + rounds * shard_s, 1),
        "model": "Lambda CPU = local CPU / (1024/1769 vCPU); SendMessageBatch and Query pages at the "
        "assumed latency, 8 batches in flight per shard",
    }


def run() -> dict[str, Any]:
    from bench.harness import use_code_paths

    use_code_paths()  # the functions' folders on sys.path, as `python -m bench.planner_shards` needs
    from alerts.logic.shards import SHARD_SIZE

    latency_s = float(os.environ.get("BENCH_SQS_LATENCY_MS", "15")) / 1000
    residents = size("planner_residents", 100_000, 20_000)
    rows = {}
    for concurrency in (1, 4, 16):
        store, sqs = alert_store(residents), MemorySqs(latency_s)
        shard_size = math.ceil(residents / concurrency)
        rows[str(concurrency)] = run_alert(store, sqs, concurrency, shard_size)
    million = size("planner_million", 1_000_000, 100_000)
    planner_concurrency = 16  # infra.alerts.PLANNER_CONCURRENCY
    store, sqs = alert_store(million), MemorySqs(latency_s)
    big = run_alert(store, sqs, planner_concurrency, SHARD_SIZE)
    return {
        "status": "ok",
        "store": "in-memory fakes (alert store and SQS), the real planner code",
        "sqs_latency_ms": latency_s * 1000,
        "residents": residents,
        "by_concurrency": rows,
        "million": big,
        "million_in_lambda": extrapolate(big, planner_concurrency, latency_s),
    }


def table_rows(result: dict[str, Any]) -> list[list[str]]:
    """bench/__main__'s rows: enqueue time by concurrency, the 1,000,000 alert and its Lambda estimate."""
    if result.get("status") != "ok":
        return [["Alert planner shards", str(result.get("status")), "", "", ""]]
    rows = [
        [
            f"Alert to {row['audience']:,} enqueued at concurrency {row['concurrency']}"
            + (f" ({row['shards']} shards)" if row["shards"] else " (the planner alone)"),
            f"{row['enqueue_s']:g} s (CPU {row['cpu_s']:g} s)",
            "",
            "",
            f"in-memory fakes, SQS call {result['sqs_latency_ms']:g} ms (assumed); {row['duplicates']} "
            f"duplicates, {row['missing']} missing",
        ]
        for row in result["by_concurrency"].values()
    ]
    big, cloud = result["million"], result["million_in_lambda"]
    rows.append(
        [
            f"Alert to {big['audience']:,} enqueued here "
            f"({big['shards']} shards, {big['concurrency']} at once)",
            f"{big['enqueue_s']:g} s (CPU {big['cpu_s']:g} s)",
            "",
            "",
            f"{big['duplicates']} duplicates, {big['missing']} missing; in Lambda (model): "
            f"{cloud['queued_in_s']:g} s (target 60 s)",
        ]
    )
    return rows


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
