"""The alert sender's pacing: a shared per-second window caps every sender together; backoff is jittered."""

from __future__ import annotations

from alerts.logic.delivery import bucket_of, wake_label
from alerts.logic.pacing import BACKOFF_CAP_S, RateLimiter, backoff_delay


class Windows:
    def __init__(self) -> None:
        self.used: dict[int, int] = {}
        self.writes = 0

    def take(self, window: int, want: int, limit: int) -> int:
        self.writes += 1
        granted = max(0, min(want, limit - self.used.get(window, 0)))
        self.used[window] = self.used.get(window, 0) + granted
        return granted


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_two_senders_together_never_pass_the_rate() -> None:
    windows, time = Windows(), FakeTime()
    senders = [RateLimiter(windows, 20, clock=time.clock, sleep=time.sleep) for _ in range(2)]
    sent_at: list[int] = []
    for n in range(200):
        senders[n % 2].acquire(upcoming=10)
        sent_at.append(int(time.now))
        time.now += 0.01  # the Twilio call

    per_second = {second: sent_at.count(second) for second in set(sent_at)}
    assert max(per_second.values()) <= 20
    assert len(per_second) >= 10  # 200 messages at 20/s take at least 10 seconds
    assert windows.writes < 100  # tokens are taken a few at a time, not one write per message


def test_backoff_is_full_jitter_capped() -> None:
    delays = [backoff_delay(attempt) for attempt in range(10) for _ in range(50)]
    assert all(0 <= d <= BACKOFF_CAP_S for d in delays)
    assert len({round(d, 3) for d in delays}) > 100


def test_twilio_statuses_map_to_figures() -> None:
    assert [bucket_of(s) for s in ("queued", "accepted", "sending", "sent")] == ["sent"] * 4
    assert bucket_of("delivered") == "delivered" and bucket_of("read") == "delivered"
    assert bucket_of("undelivered") == "undelivered" and bucket_of("failed") == "failed"


def test_wake_label_is_minute_precision_utc() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    assert wake_label(datetime(2026, 12, 5, 8, 0, tzinfo=ZoneInfo("America/Chicago"))) == "2026-12-05T14:00Z"
