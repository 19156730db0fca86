"""The inbox at crisis scale on the local stack: 10,000 threads and 100,000 messages, then every inbox view,
the counts and search timed over HTTP through the agent API with a staff JWT (p50/p95).

The volume is written straight into the table the way the inbox writes it (thread items, message items and the
messages' search postings, built by the same DAL functions), because pushing 100,000 texts through the signed
webhook would take the local stack hours and measure ingestion, which bench/latency.py already does. Threads
are spread over the demo departments, a share assigned to the demo agent, the rest to others or to nobody;
statuses, channels, labels (with their memberships) and waiting times vary; message words come from a fixed
crisis vocabulary.

BENCH_QUICK=1: 1,000 threads, 10,000 messages. BENCH_INBOX_THREADS / BENCH_INBOX_MESSAGES_PER_THREAD override.
"""

from __future__ import annotations

import os
import random
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.harness import write_items
from bench.stats import size, summary

ROUNDS_FULL, ROUNDS_QUICK = 60, 15
VOCABULARY = (
    "water boil notice brown tap smell pressure outage power generator shelter cooling center open hours "
    "flood road closed sandbag evacuation bus pickup insulin pharmacy clinic vaccine appointment trash "
    "pickup missed tree down line sparking gas leak heat medicine oxygen elderly neighbor help please "
    "when where how long today tomorrow street avenue apartment basement school closure internet cell"
).split()
DEPARTMENTS = ("water", "public-health", "roads")


def _threads_and_messages(
    threads: int, per_thread: int, me: str, seed: int = 7
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Items to write; plus sample words and phone numbers to search for."""
    from inbox.dal.inbox_table import message_item
    from inbox.dal.inbox_views_table import label_members, message_postings
    from inbox.logic.search_terms import phone_term, word_terms
    from inbox.models.conversations import Message

    rng = random.Random(seed)
    start = datetime(2026, 11, 20, tzinfo=UTC)
    items: list[dict[str, Any]] = []
    phones: list[str] = []
    for n in range(threads):
        thread_id = f"bench{n:07d}"
        phone = f"+1555{rng.randrange(10**7):07d}"
        phones.append(phone)
        at = start
        for m in range(per_thread):
            at += timedelta(seconds=rng.randrange(30, 4000))
            direction = "in" if m % 3 != 2 else "out"
            body = " ".join(rng.choice(VOCABULARY) for _ in range(rng.randrange(4, 12)))
            message = Message(
                message_id=f"{thread_id}m{m:03d}",
                thread_id=thread_id,
                direction=direction,
                body=body,
                status="received" if direction == "in" else "delivered",
                created_at=at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                author="resident" if direction == "in" else me,
            )
            items.append(message_item(message))
            items += message_postings(
                thread_id=thread_id,
                at=message.created_at,
                ref=message.message_id,
                terms=word_terms(body),
                phone=phone_term(phone) if m == 0 else None,
            )
        last = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        roll = rng.random()
        thread: dict[str, Any] = {
            "pk": f"THREAD#{thread_id}",
            "sk": "META",
            "thread_id": thread_id,
            "resident": {"address": phone, "channel": "sms"},
            "channel": "sms" if rng.random() < 0.8 else "whatsapp",
            "status": "open" if roll < 0.6 else ("snoozed" if roll < 0.65 else "closed"),
            "department_id": DEPARTMENTS[n % len(DEPARTMENTS)],
            "last_activity_at": last,
            "last_message_preview": "…",
            "last_direction": "in",
            "unread": rng.randrange(0, 4),
            "created_at": start.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "gsi1pk": "THREADS",
            "gsi1sk": f"{last}#{thread_id}",
        }
        owner = rng.random()
        if owner < 0.02:
            thread["assignee"] = me
        elif owner < 0.3:
            thread["assignee"] = f"agent-{rng.randrange(40)}"
        if thread["status"] == "open" and rng.random() < 0.7:
            thread["waiting_since"] = last
        if rng.random() < 0.1:
            thread["labels"] = [rng.choice(["urgent", "spanish", "follow-up", "medical"])]
            items += label_members(thread_id, thread["labels"])  # as the workspace's set_labels writes them
        items.append(thread)
        items.append({"pk": f"ADDR#{phone}", "sk": "RESIDENT", "thread_id": thread_id, "channel": "sms"})
    return items, ["water", "insulin", "generator", "sparking"], phones


def _time(http: Any, url: str, params: dict[str, Any], rounds: int) -> dict[str, Any]:
    from bench.latency import timed_gets

    samples, response = timed_gets(http, url, params, rounds)
    last: dict[str, Any] = response.json() if response is not None else {}
    result = summary(samples)
    if "threads" in last:
        result["returned"] = len(last["threads"])
    if "counts" in last:
        result["counts"] = {view: c["count"] for view, c in last["counts"].items()}
    return result


def run_on(local: Any) -> dict[str, Any]:
    from bench.latency import Agent

    threads = size("inbox_threads", 10_000, 1_000)
    per_thread = size("inbox_messages_per_thread", 10, 10)
    rounds = ROUNDS_QUICK if os.environ.get("BENCH_QUICK") not in (None, "", "0") else ROUNDS_FULL
    agent = Agent(local.api_url)
    me = agent.http.get(f"{local.api_url}/api/me", timeout=10).json()["sub"]
    items, words, phones = _threads_and_messages(threads, per_thread, me)
    print(f"bench: inbox loading {len(items):,} items...", file=sys.stderr, flush=True)
    load_s = write_items(os.environ["TABLE_NAME"], items)
    print(f"bench: inbox loaded in {load_s:.0f} s", file=sys.stderr, flush=True)

    api = f"{local.api_url}/api/inbox"
    cases: dict[str, tuple[str, dict[str, Any]]] = {
        "mine": (api, {"view": "mine"}),
        "mine_oldest_waiting": (api, {"view": "mine", "sort": "oldest_waiting"}),
        "unassigned": (api, {"view": "unassigned"}),
        "unassigned_oldest_waiting": (api, {"view": "unassigned", "sort": "oldest_waiting"}),
        "unassigned_page_5": (api, {"view": "unassigned"}),  # cursor filled in below
        "my_departments": (api, {"view": "departments"}),
        "my_departments_label_urgent": (api, {"view": "departments", "label": "urgent"}),
        "all_open": (api, {"view": "all"}),
        "all_any_status": (api, {"view": "all", "status": "any"}),
        "all_closed_whatsapp": (api, {"view": "all", "status": "closed", "channel": "whatsapp"}),
        "counts": (api + "/counts", {}),
        "search_one_word": (api + "/search", {"q": words[1]}),
        "search_two_words": (api + "/search", {"q": f"{words[0]} {words[2]}"}),
        "search_full_phone": (api + "/search", {"q": phones[threads // 2]}),
        "search_last_4_digits": (api + "/search", {"q": phones[threads // 3][-4:]}),
    }
    cursor = None
    for _ in range(4):
        page = agent.http.get(
            api, params={"view": "unassigned", **({"cursor": cursor} if cursor else {})}
        ).json()
        cursor = page["next_cursor"]
    cases["unassigned_page_5"][1]["cursor"] = cursor
    timings = {}
    for name, (url, params) in cases.items():
        timings[name] = _time(agent.http, url, params, rounds)
        print(f"bench: inbox {name}: p50 {timings[name]['p50_ms']:.0f} ms", file=sys.stderr, flush=True)
    worst = max(t["p95_ms"] for t in timings.values())
    return {
        "status": "ok",
        "threads": threads,
        "messages": threads * per_thread,
        "items_written": len(items),
        "load_s": round(load_s, 1),
        "rounds": rounds,
        "worst_p95_ms": worst,
        "cases": timings,
    }


def run() -> dict[str, Any]:
    """On its own seeded local stack (`python -m bench.inbox_scale`)."""
    from bench.latency import on_own_local_stack

    return on_own_local_stack(run_on)


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
