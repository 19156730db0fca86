"""Pacing the alert sender to the agency's messages per second, across every concurrent sender, and backing
off from Twilio with full jitter.

Senders share one counter per second (a DynamoDB item, `ADD` with a condition): whatever the number of Lambda
instances, no second sees more than the configured rate. A sender takes tokens a few at a time (one write per
batch, not per message) and sleeps to the next second when the window is full.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Protocol

# Twilio answers 429 when a number's or account's queue is over its rate; back off: 0.5 s, 1 s, 2 s, ...
BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 8.0


class RateWindows(Protocol):
    def take(self, window: int, want: int, limit: int) -> int:
        """Add up to `want` to window `window`'s count without passing `limit`; how many were taken."""
        ...


class RateLimiter:
    def __init__(
        self,
        windows: RateWindows,
        rate_per_second: int,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second < 1:
            raise ValueError("rate must be at least one message per second")
        self._windows = windows
        self._rate = rate_per_second
        self._clock = clock
        self._sleep = sleep
        self._tokens = 0
        self._tokens_window = -1
        # How long this sender spends between two acquires (its send to Twilio), averaged; 0 until seen.
        self._returned_at: float | None = None
        self._send_s = 0.0

    def acquire(self, upcoming: int = 1) -> bool:
        """Block until this worker may send one message; `upcoming` (the rest of its batch) lets it take
        several tokens in one write. True when it had to wait (what was checked before may have changed)."""
        waited = False
        if self._returned_at is not None:
            spent = self._clock() - self._returned_at
            self._send_s = spent if self._send_s == 0 else (self._send_s + spent) / 2
        while True:
            now = self._clock()
            window = int(now)
            if self._tokens > 0 and self._tokens_window == window:
                self._tokens -= 1
                self._returned_at = self._clock()
                return waited
            # At most a quarter of a second's tokens at once, so concurrent senders share each second, and
            # no more than this sender can send before the second ends: a token left unused when its second
            # is over was still counted, and another sender could not have it.
            want = max(1, min(upcoming, self._rate // 4, self._sendable(now)))
            taken = self._windows.take(window, want, self._rate)
            if taken > 0:
                self._tokens, self._tokens_window = taken - 1, window
                self._returned_at = self._clock()
                return waited
            # The second is spent: sleep into the next one, a little apart from the other senders.
            self._sleep(max(0.0, window + 1 - now) + random.uniform(0, 0.05))  # noqa: S311 - jitter
            waited = True

    def _sendable(self, now: float) -> int:
        """Messages this sender can still send in the current second at its pace (1 for this one)."""
        if self._send_s <= 0:
            return self._rate
        return 1 + int((int(now) + 1 - now) / self._send_s)


def backoff_delay(attempt: int) -> float:
    """Full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog): uniform in [0, base·2^n]."""
    return random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt))  # noqa: S311 - jitter
