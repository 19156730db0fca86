"""The pacer at the rates agencies configure (1, 2, 3, 10, 100 per second) with 1, 5 and 10 concurrent
senders, on a simulated clock: no second above the cap, at least 95% of the cap over a minute, and a
backoff that grows and stops growing. The figures are written out here, not read from the module."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from alerts.logic import pacing
from alerts.logic.pacing import RateLimiter, backoff_delay

START = 1_000_000.0
MINUTE = 60
TWILIO_CALL_S = 0.005  # one send keeps a sender busy this long: one sender alone could do 200/s


class SharedWindows:
    """The per-second counter every sender shares, as the DynamoDB table behaves: whole numbers only (boto3
    refuses a float for ADD), never past the limit, nothing taken for a request of nothing."""

    def __init__(self) -> None:
        self.used: Counter[int] = Counter()

    def take(self, window: int, want: int, limit: int) -> int:
        assert type(want) is int and type(limit) is int, (want, limit)
        granted = max(0, min(want, limit - self.used[window]))
        self.used[window] += granted
        return granted


class Sender:
    """One Lambda instance sending a queue of messages: its own clock, the shared windows."""

    def __init__(
        self, windows: SharedWindows, rate: int, offset: float, send_s: float = TWILIO_CALL_S
    ) -> None:
        self.now = START + offset
        self.send_s = send_s
        self.limiter = RateLimiter(windows, rate, clock=lambda: self.now, sleep=self._sleep)

    def _sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds
        if self.now > START + 10 * MINUTE:  # a pacer that never grants a token would otherwise loop for ever
            raise AssertionError("the sender slept ten minutes without being let through")

    def send_one(self) -> float:
        self.limiter.acquire(upcoming=10)
        sent_at = self.now
        self.now += self.send_s
        return sent_at


def simulate(rate: int, senders: int, seconds: int = MINUTE, send_s: float = TWILIO_CALL_S) -> list[float]:
    """Every sender sends until the simulated clock passes `seconds`; the earliest sender always moves
    next, so the senders interleave the way concurrent instances do. The send times."""
    windows = SharedWindows()
    pool = [Sender(windows, rate, offset=n * 0.013, send_s=send_s) for n in range(senders)]
    sent: list[float] = []
    while True:
        sender = min(pool, key=lambda s: s.now)
        if sender.now >= START + seconds:
            return [t for t in sent if t < START + seconds]
        sent.append(sender.send_one())


@pytest.fixture(autouse=True)
def seeded_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pacing, "random", random.Random(23))


@pytest.mark.parametrize("senders", [1, 5, 10])
@pytest.mark.parametrize("rate", [1, 2, 3, 10, 100])
def test_never_above_the_cap_in_any_second_and_close_to_it_over_a_minute(rate: int, senders: int) -> None:
    sent = simulate(rate, senders)
    per_second = Counter(int(t) for t in sent)
    assert max(per_second.values()) <= rate
    assert len(sent) >= 0.95 * rate * MINUTE, (len(sent), rate * MINUTE)


@pytest.mark.parametrize(("rate", "senders"), [(100, 50), (100, 20), (30, 10), (10, 5)])
def test_slow_sends_still_hold_95_percent_of_the_rate_and_never_pass_it(rate: int, senders: int) -> None:
    # Each send to Twilio takes 150 ms (an API call from Lambda): a sender takes no more tokens than it can
    # send before its second ends (a token left over when its second is over was counted, and no other
    # sender could use it).
    sent = simulate(rate, senders, send_s=0.15)
    per_second = Counter(int(t) for t in sent)
    assert max(per_second.values()) <= rate
    assert len(sent) >= 0.95 * rate * MINUTE, (len(sent), rate * MINUTE)


def test_a_slow_sender_takes_only_what_it_can_send_before_the_second_ends() -> None:
    windows = SharedWindows()
    now = [START + 0.5]
    limiter = RateLimiter(windows, 100, clock=lambda: now[0], sleep=lambda s: None)
    limiter.acquire(upcoming=10)  # its pace not known yet: the batch, within a quarter second's tokens
    for _ in range(3):
        now[0] += 0.2  # each send takes 200 ms
        limiter.acquire(upcoming=10)
    # the third send starts at +1.1 s, in a new second with 0.9 s left: 1 + 4 more sends fit, not 10
    assert windows.used[int(START)] == 10 and windows.used[int(START) + 1] == 5


def test_a_full_second_sends_the_sender_to_sleep_into_the_next_one() -> None:
    # Given a 1/s cap whose second is spent, when a sender asks again, it sleeps past the next second's start.
    sent = simulate(rate=1, senders=1, seconds=3)
    assert [int(t - START) for t in sent] == [0, 1, 2]
    assert all(t - int(t) < 0.06 for t in sent[1:])  # woken at the top of the second, plus jitter under 50 ms


def test_tokens_are_taken_a_quarter_second_at_a_time_at_ten_per_second() -> None:
    writes: list[int] = []

    class Recording(SharedWindows):
        def take(self, window: int, want: int, limit: int) -> int:
            writes.append(want)
            return super().take(window, want, limit)

    limiter = RateLimiter(Recording(), 10, clock=lambda: START, sleep=lambda s: None)
    for _ in range(10):
        limiter.acquire(upcoming=10)
    assert writes == [2, 2, 2, 2, 2]  # 10 // 4: whole tokens, a quarter of the second's at most


@pytest.mark.parametrize(
    ("rate", "upcoming", "expected_writes"),
    [(100, 100, [25, 25, 25, 25]), (10, 1, [1]), (3, 1, [1]), (3, 10, [1, 1, 1])],
)
def test_each_write_takes_a_quarter_second_at_most_and_no_more_than_the_batch_needs(
    rate: int, upcoming: int, expected_writes: list[int]
) -> None:
    writes: list[int] = []

    class Recording(SharedWindows):
        def take(self, window: int, want: int, limit: int) -> int:
            writes.append(want)
            return super().take(window, want, limit)

    limiter = RateLimiter(Recording(), rate, clock=lambda: START, sleep=lambda s: None)
    for _ in range(sum(expected_writes)):
        if upcoming == 1:
            limiter.acquire()  # the default: one message, one token
        else:
            limiter.acquire(upcoming=upcoming)
    assert writes == expected_writes


def test_a_sender_that_never_waited_says_so_and_one_that_slept_says_so() -> None:
    windows, now = SharedWindows(), [START]
    limiter = RateLimiter(windows, 1, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert limiter.acquire() is False
    assert limiter.acquire() is True
    assert int(now[0]) == int(START) + 1


@pytest.mark.parametrize("rate", [0, -1])
def test_a_rate_below_one_is_refused(rate: int) -> None:
    with pytest.raises(ValueError, match="at least one"):
        RateLimiter(SharedWindows(), rate)


def test_a_rate_of_one_is_accepted() -> None:
    RateLimiter(SharedWindows(), 1)


class Ceiling:
    """uniform(a, b) at its top, so the backoff's ceiling for each attempt shows."""

    @staticmethod
    def uniform(low: float, high: float) -> float:
        assert low == 0
        return high


def test_backoff_ceiling_doubles_from_half_a_second_and_stops_at_eight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pacing, "random", Ceiling())
    assert [backoff_delay(attempt) for attempt in range(8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]


def test_backoff_is_jittered_below_its_ceiling() -> None:
    delays = [backoff_delay(3) for _ in range(200)]
    assert all(0 <= d <= 4.0 for d in delays)
    assert min(delays) < 1.0 and max(delays) > 3.0
