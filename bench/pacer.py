"""The alert sender's pacer alone, with in-memory fakes: can 50 concurrent senders hold the configured rate
(>= 95% of it) without ever passing it in a wall-clock second?

Each sender is a thread with its own `RateLimiter` (as each Lambda instance has), all sharing one in-memory
`RateWindows` that behaves like the DynamoDB counter (a conditional ADD; each call costs `STORE_LATENCY_S`,
about a DynamoDB write from Lambda). A sender takes a message, waits for a token, hands the message to a fake
Twilio (the moment counted) and the fake takes `SEND_LATENCY_S` (a Twilio API call). Senders always have work:
this is the pacer's bound, not the queue's.

Figures per rate: texts handed over per second over the whole seconds of the run (the first and the last,
partial, are left out), its ratio to the rate, the busiest and the quietest second, and the time from the
start to the first text handed over. Run alone: `.venv/bin/python -m bench.pacer`. BENCH_PACER_SEND_MS sets
the fake Twilio call's duration (20 ms by default; at 150 ms, 50 senders can send 333/s at most, so the
1,000/s row is then bound by the senders, not the pacer).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from typing import Any

from bench.harness import CODE_PATHS
from bench.stats import size

SENDERS = 50
STORE_LATENCY_S = 0.004
SEND_LATENCY_S = size("pacer_send_ms", 20, 20) / 1000  # BENCH_PACER_SEND_MS: a slower Twilio
RATES = (100, 1000)


class MemoryWindows:
    """RateWindows in memory: DynamoDB's conditional ADD on one item per second, with its latency."""

    def __init__(self, latency_s: float = STORE_LATENCY_S) -> None:
        self._used: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._latency_s = latency_s
        self.calls = 0

    def take(self, window: int, want: int, limit: int) -> int:
        time.sleep(self._latency_s)
        with self._lock:
            self.calls += 1
            granted = max(0, min(want, limit - self._used[window]))
            self._used[window] += granted
            return granted


def run_rate(rate: int, seconds: float, senders: int = SENDERS) -> dict[str, Any]:
    for path in CODE_PATHS:
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from alerts.logic.pacing import RateLimiter

    windows = MemoryWindows()
    handed: list[float] = []
    lock = threading.Lock()
    stop = threading.Event()
    started = time.time()

    def sender() -> None:
        limiter = RateLimiter(windows, rate)
        while not stop.is_set():
            limiter.acquire(upcoming=10)  # a sender's batch of ten, as the mapping's batch size
            if stop.is_set():
                return
            with lock:
                handed.append(time.time())
            time.sleep(SEND_LATENCY_S)

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(senders)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    per_second = Counter(int(at) for at in handed)
    whole = sorted(per_second)[1:-1]  # the first and last seconds are partial
    counts = [per_second[s] for s in whole]
    achieved = sum(counts) / len(counts) if counts else 0.0
    return {
        "rate": rate,
        "senders": senders,
        "seconds": len(whole),
        "sent_per_second": round(achieved, 1),
        "ratio_to_rate": round(achieved / rate, 3),
        "max_in_one_second": max(per_second.values()) if per_second else 0,
        "min_in_a_whole_second": min(counts) if counts else 0,
        "first_text_after_s": round(min(handed) - started, 3) if handed else None,
        "store_calls_per_text": round(windows.calls / len(handed), 3) if handed else None,
        "store_latency_s": STORE_LATENCY_S,
        "send_latency_s": SEND_LATENCY_S,
    }


def run() -> dict[str, Any]:
    seconds = size("pacer_seconds", 12, 4)
    rates = {str(rate): run_rate(rate, seconds) for rate in RATES}
    return {"status": "ok", "rates": rates}


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
