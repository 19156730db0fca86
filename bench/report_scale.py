"""Reports at crisis scale on the local stack (issue 18 item 4): 10,000 conversations and 100,000
messages over 30 days, counted by the real recorder (functions/reports) as they would have arrived, then a
30-day report timed over HTTP through the agent API with a staff JWT (p50/p95; the first report of each
case, which seals the finished days of its scope, is timed apart as `first_ms`), with the DynamoDB requests
each report made counted by the botocore hooks (bench/requests_count.py): there must be no Scan.

The events are fed to the recorder in this process against an in-memory store with the table's semantics, and
the cells it produced are written into the local stack's table in one go (bench.harness.write_items), for the
reason bench/inbox_scale.py gives: 100,000 texts through the signed webhook would take hours and measure
ingestion. Run after inbox_scale inside `make bench` (its 10,000 threads make the table the size a crisis
leaves; the report reads none of them: open and waiting now are the recorder's running counts); on its own
(`python -m bench.report_scale`) it loads those threads first.

BENCH_QUICK=1: 1,000 conversations, 10,000 messages. BENCH_REPORT_THREADS overrides.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.stats import size, summary

ROUNDS_FULL, ROUNDS_QUICK = 40, 10
DEPARTMENTS = ("water", "public-health", "roads")
DAYS = 30
PER_THREAD = 10


class CellStore:
    """The report table's write contract in memory: a marker per event, a versioned conversation state, ADD
    on cells, waiting items put and deleted. `items()` are the table items the same writes leave in
    DynamoDB."""

    def __init__(self) -> None:
        self.markers: set[str] = set()
        self.states: dict[str, dict[str, Any]] = {}
        self.counted: dict[tuple[str, str], dict[str, Any]] = {}
        self.placed: dict[tuple[str, str], dict[str, Any]] = {}

    def conversation_state(self, thread_id: str) -> dict[str, Any] | None:
        state = self.states.get(thread_id)
        return dict(state) if state else None

    def record(
        self,
        event_id: str,
        expires_at: int,
        counts: Mapping[tuple[str, str], Mapping[str, int]],
        *,
        state: dict[str, Any] | None = None,
        previous_version: int | None = None,
        puts: Collection[Mapping[str, Any]] = (),
        deletes: Collection[tuple[str, str]] = (),
    ) -> None:
        from reports.dal.report_table import DuplicateEvent, StaleState

        if event_id in self.markers:
            raise DuplicateEvent(event_id)
        if state is not None:
            current = self.states.get(state["thread_id"])
            stale = (current is None) != (previous_version is None)
            if stale or (current is not None and current["version"] != previous_version):
                raise StaleState(state["thread_id"])
        self.markers.add(event_id)
        if state is not None:
            self.states[state["thread_id"]] = dict(state)
        for (pk, sk), counters in counts.items():
            item = self.counted.setdefault((pk, sk), {"pk": pk, "sk": sk})
            for name, value in counters.items():
                item[name] = item.get(name, 0) + value
        for put in puts:
            self.placed[(put["pk"], put["sk"])] = dict(put)
        for key in deletes:
            self.placed.pop(key, None)

    def items(self) -> list[dict[str, Any]]:
        from reports.dal.report_table import STATE_SK, state_pk

        states = [{"pk": state_pk(t), "sk": STATE_SK, **s} for t, s in self.states.items()]
        return [*self.counted.values(), *states, *self.placed.values()]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def feed(recorder: Any, threads: int, now: datetime, me: str, seed: int = 18) -> int:
    """Conversations spread over the last 30 days: messages in and staff replies, assignments, closes and a
    few reopenings, through the recorder's public calls. The number of events fed."""
    from reports.logic.recorder import Dims

    rng = random.Random(seed)
    first = now - timedelta(days=DAYS)
    events = 0
    for n in range(threads):
        thread_id = f"rpt{n:07d}"
        department = DEPARTMENTS[n % len(DEPARTMENTS)]
        channel = "sms" if rng.random() < 0.8 else "whatsapp"
        owner = rng.random()
        agent = me if owner < 0.02 else (f"agent-{rng.randrange(40)}" if owner < 0.9 else None)
        at = first + timedelta(seconds=rng.randrange(DAYS * 86_400 - 12 * 3600))
        dims = Dims(department, channel, agent)
        for m in range(PER_THREAD):
            at += timedelta(seconds=rng.randrange(30, 4000))
            if m % 3 != 2:
                recorder.message_received(thread_id, f"{thread_id}m{m}", _iso(at), dims)
                if m == 0 and agent:
                    recorder.assigned(thread_id, f"{thread_id}a", _iso(at), dims)
            else:
                recorder.staff_replied(
                    thread_id, f"{thread_id}m{m}", _iso(at), Dims(department, channel, agent or me)
                )
            events += 1
            if m == 5 and rng.random() < 0.2:  # closed, then the resident writes again: reopened
                recorder.conversation_closed(thread_id, _iso(at + timedelta(seconds=60)), dims)
                events += 1
        if rng.random() < 0.4:
            recorder.conversation_closed(
                thread_id, _iso(at + timedelta(seconds=rng.randrange(60, 7200))), dims
            )
            events += 1
    return events


def _time(
    http: Any, url: str, params: dict[str, Any], rounds: int
) -> tuple[dict[str, Any], dict[str, float]]:
    from bench.latency import timed_gets
    from bench.requests_count import RequestCounter

    # The first report of a scope seals its finished days (reports.logic.sealed: one read of their cells, one
    # summary each); a scheduled job could do that after midnight instead. Timed apart, not in the rounds.
    began = time.perf_counter()
    first = http.get(url, params=params, timeout=300)
    first_ms = (time.perf_counter() - began) * 1000
    if first.status_code != 200:
        raise RuntimeError(f"{url} {params} answered {first.status_code}: {first.text[:200]}")
    samples, _ = timed_gets(http, url, params, rounds)
    # The requests are counted in reports of their own, untimed: the counter sizes every item a response
    # carries (for the cost model), which took ~60 ms of a report's time when it ran inside the rounds.
    counted = 3
    with RequestCounter() as counter:
        for _ in range(counted):
            http.get(url, params=params, timeout=120).raise_for_status()
    calls = {
        name: round(count / counted, 2)
        for name, count in counter.calls.items()
        if name.startswith("dynamodb.")
    }
    return {**summary(samples), "first_ms": round(first_ms, 1)}, calls


def run_on(local: Any, *, load_threads: bool = False) -> dict[str, Any]:
    from zoneinfo import ZoneInfo

    from reports.logic.recorder import ReportRecorder
    from webchat.logic.hours import parse_hours

    from bench.harness import write_items
    from bench.latency import Agent

    threads = size("report_threads", 10_000, 1_000)
    rounds = ROUNDS_QUICK if os.environ.get("BENCH_QUICK") not in (None, "", "0") else ROUNDS_FULL
    agent = Agent(local.api_url)
    me = agent.http.get(f"{local.api_url}/api/me", timeout=10).json()["sub"]
    table = os.environ["TABLE_NAME"]
    if load_threads:
        from bench.inbox_scale import _threads_and_messages

        inbox_items, _, _ = _threads_and_messages(threads, PER_THREAD, me)
        print(f"bench: reports loading {len(inbox_items):,} inbox items...", file=sys.stderr, flush=True)
        write_items(table, inbox_items)

    now = datetime.now(UTC)
    store = CellStore()
    recorder = ReportRecorder(
        store, parse_hours("Mon-Fri 08:00-17:00", "America/New_York"), ZoneInfo("America/New_York")
    )
    began = time.perf_counter()
    events = feed(recorder, threads, now, me)
    feed_s = time.perf_counter() - began
    items = store.items()
    load_s = write_items(table, items)
    print(f"bench: reports counted {events:,} events into {len(items):,} items", file=sys.stderr, flush=True)

    first_day = (now - timedelta(days=DAYS - 1)).date().isoformat()
    period = {"from": first_day, "to": now.date().isoformat()}
    api = f"{local.api_url}/api/reports"
    cases = {
        "all": (api, period),
        "department": (api, {**period, "department": "water"}),
        "channel": (api, {**period, "channel": "whatsapp"}),
        "department_and_channel": (api, {**period, "department": "roads", "channel": "sms"}),
        "agent": (api, {**period, "agent": "agent-7"}),
        "csv_daily": (api + "/csv/daily", period),
    }
    timings: dict[str, Any] = {}
    for name, (url, params) in cases.items():
        result, calls = _time(agent.http, url, params, rounds)
        timings[name] = {**result, "dynamodb_calls_per_report": calls}
        print(f"bench: report {name}: first {result['first_ms']:.0f} ms, p50 {result['p50_ms']:.0f} ms, "
              f"p95 {result['p95_ms']:.0f} ms, {calls}",
              file=sys.stderr, flush=True)  # fmt: skip
    sample = agent.http.get(api, params=period, timeout=120).json()["figures"]
    scans = sum(c.get("dynamodb.Scan", 0) for c in (t["dynamodb_calls_per_report"] for t in timings.values()))
    worst = max(t["p95_ms"] for t in timings.values())
    return {
        "status": "ok" if worst < 500 and scans == 0 else "over target",
        "threads": threads,
        "messages": threads * PER_THREAD,
        "events_counted": events,
        "cell_items": len(items),
        "feed_s": round(feed_s, 1),
        "load_s": round(load_s, 1),
        "rounds": rounds,
        "worst_p95_ms": worst,
        "target_p95_ms": 500,
        "scans": scans,
        "figures_all": {k: sample[k] for k in ("opened", "reopened", "resolved", "messages_in", "replies")},
        "cases": timings,
    }


def table_rows(result: dict[str, Any]) -> list[list[str]]:
    """Rows of `make bench`'s table: figure, value, floor or aim, ratio, notes."""
    if "cases" not in result:
        return [["A 30-day report at scale", str(result.get("status", "not measured")), "", "", ""]]
    scale = f"{result['threads']:,} conversations, {result['messages']:,} messages"
    return [
        [
            f"Report 30 days, {name.replace('_', ' ')} p50 / p95",
            f"{case['p50_ms']:.0f} ms / {case['p95_ms']:.0f} ms",
            "aim p95 < 500 ms",
            f"{case['p95_ms'] / 500:.2f}x",
            f"{scale}; n={case['n']} over HTTP after a first report that sealed the finished days"
            f" ({case.get('first_ms', 0):.0f} ms); DynamoDB per report: "
            + ", ".join(
                f"{op.split('.')[1]} {n:g}" for op, n in sorted(case["dynamodb_calls_per_report"].items())
            ),
        ]
        for name, case in result["cases"].items()
    ]


def run() -> dict[str, Any]:
    """On its own seeded local stack (`python -m bench.report_scale`)."""
    from bench.harness import use_code_paths
    from bench.latency import local_stack_class

    use_code_paths()
    local = local_stack_class()()
    local.start()
    try:
        return run_on(local, load_threads=True)
    finally:
        local.stop()


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
