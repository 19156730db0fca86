"""The "Most urgent first" view at crisis scale on the local stack (issue 17 item 3): 10,000 open threads
someone waits on, a few critical, some high, the rest normal (a share of them waiting past the 4 h age), then
the view timed over HTTP through the agent API with a staff JWT (p50/p95), and the DynamoDB requests each
view makes counted by botocore hooks on the handlers' clients (not the driver's own calls, nor the pollers').

The threads are written straight into the table the way the inbox and the triage step leave them (the thread
item with `waiting_since`, `triage_order`, `triage_level`, `triage_reasons`), as bench/inbox_scale.py does:
pushing 10,000 texts through the signed webhook would measure ingestion, which bench/latency.py does.

BENCH_QUICK=1: 1,000 threads. BENCH_TRIAGE_VIEW_THREADS overrides. `python -m bench.triage_view` runs it on
its own local stack.
"""

from __future__ import annotations

import os
import random
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.harness import write_items
from bench.stats import size, summary

ROUNDS_FULL, ROUNDS_QUICK = 60, 15
TARGET_P95_MS = 200
DEPARTMENTS = ("water", "public-health", "roads")
CRITICAL_SHARE, HIGH_SHARE = 0.002, 0.03
REASONS = {
    "critical": [{"code": "self_harm.method", "text": "took all my pills", "start": 0, "end": 17}],
    "high": [{"code": "safety.gas", "text": "smell gas", "start": 2, "end": 11}],
    "normal": [],
}
ORDER = {"critical": "0", "high": "1", "normal": "2"}


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def waiting_threads(threads: int, seed: int = 17) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Open thread items someone waits on, with their urgency; and how many of each level."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    items: list[dict[str, Any]] = []
    levels = dict.fromkeys(ORDER, 0)
    for n in range(threads):
        thread_id = f"urg{n:07d}"
        roll = rng.random()
        level = (
            "critical"
            if roll < CRITICAL_SHARE
            else "high"
            if roll < CRITICAL_SHARE + HIGH_SHARE
            else "normal"
        )
        levels[level] += 1
        waiting = now - timedelta(seconds=rng.randrange(60, 12 * 3600))  # a third past the 4 h age
        phone = f"+1556{rng.randrange(10**7):07d}"
        thread: dict[str, Any] = {
            "pk": f"THREAD#{thread_id}",
            "sk": "META",
            "thread_id": thread_id,
            "resident": {"address": phone, "channel": "sms"},
            "channel": "sms",
            "status": "open",
            "department_id": DEPARTMENTS[n % len(DEPARTMENTS)],
            "last_activity_at": _stamp(waiting),
            "last_message_preview": "…",
            "last_direction": "in",
            "unread": 1,
            "created_at": _stamp(waiting - timedelta(days=1)),
            "waiting_since": _stamp(waiting),
            "gsi1pk": "THREADS",
            "gsi1sk": f"{_stamp(waiting)}#{thread_id}",
            "triage_order": ORDER[level],
            "triage_level": level,
            "triage_reasons": REASONS[level],
            "triage_rules_version": 1,
        }
        if rng.random() < 0.3:
            thread["assignee"] = f"agent-{rng.randrange(40)}"
        items.append(thread)
    return items, levels


def _is_urgent_order(threads: list[dict[str, Any]]) -> bool:
    """The page is in the view's order: level, then oldest waiting."""
    keys = [(ORDER[t["triage_level"]], t["waiting_since"]) for t in threads]
    return keys == sorted(keys)


def _time_view(http: Any, url: str, params: dict[str, Any], rounds: int, counter: Any) -> dict[str, Any]:
    from bench.latency import timed_gets

    before = sum(n for name, n in counter.calls.items() if name.startswith("dynamodb."))
    samples, response = timed_gets(http, url, params, rounds)
    last: dict[str, Any] = response.json() if response is not None else {}
    after = sum(n for name, n in counter.calls.items() if name.startswith("dynamodb."))
    result = summary(samples)
    result["returned"] = len(last["threads"])
    result["dynamodb_requests_per_view"] = round((after - before) / rounds, 2)
    result["first_level"] = last["threads"][0]["triage_level"] if last["threads"] else None
    if not _is_urgent_order(last["threads"]):
        raise RuntimeError(f"{params}: the page is not most urgent first")
    return result


def run_on(local: Any) -> dict[str, Any]:
    from bench.booked_callback import ExcludingCounter
    from bench.latency import Agent

    threads = size("triage_view_threads", 10_000, 1_000)
    rounds = ROUNDS_QUICK if os.environ.get("BENCH_QUICK") not in (None, "", "0") else ROUNDS_FULL
    agent = Agent(local.api_url)
    items, levels = waiting_threads(threads)
    print(f"bench: triage view loading {len(items):,} threads...", file=sys.stderr, flush=True)
    load_s = write_items(os.environ["TABLE_NAME"], items)

    api = f"{local.api_url}/api/inbox"
    urgent = {"status": "open", "sort": "urgent"}
    cases: dict[str, dict[str, Any]] = {
        "all": {"view": "all", **urgent},
        "all_page_2": {"view": "all", **urgent},  # cursor filled in below
        "unassigned": {"view": "unassigned", **urgent},
        "my_departments": {"view": "departments", **urgent},
        "one_department": {"view": "all", "department": DEPARTMENTS[1], **urgent},
    }
    first = agent.http.get(api, params=cases["all"], timeout=60).json()
    cases["all_page_2"]["cursor"] = first["next_cursor"]

    counter = ExcludingCounter(threading.get_ident())
    timings: dict[str, dict[str, Any]] = {}
    with counter:
        for name, params in cases.items():
            timings[name] = _time_view(agent.http, api, params, rounds, counter)
            print(
                f"bench: urgent view {name}: p95 {timings[name]['p95_ms']:.0f} ms, "
                f"{timings[name]['dynamodb_requests_per_view']:g} DynamoDB requests",
                file=sys.stderr,
                flush=True,
            )
    scans = sorted(name for name in counter.calls if name.endswith((".Scan",)))
    worst = max(t["p95_ms"] for t in timings.values())
    return {
        "status": "ok",
        "threads": threads,
        "levels": levels,
        "load_s": round(load_s, 1),
        "rounds": rounds,
        "worst_p95_ms": worst,
        "target_p95_ms": TARGET_P95_MS,
        "dynamodb_calls": dict(sorted((k, v) for k, v in counter.calls.items() if k.startswith("dynamodb."))),
        "scans": scans,
        "cases": timings,
    }


def run() -> dict[str, Any]:
    """On its own seeded local stack (`python -m bench.triage_view`)."""
    from bench.latency import on_own_local_stack

    return on_own_local_stack(run_on)


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
