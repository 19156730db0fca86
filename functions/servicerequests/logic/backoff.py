"""When a failed call to a city is tried again: exponential backoff with full jitter (AWS Architecture Blog,
"Exponential Backoff And Jitter"), so a city that comes back is not hit by every queued request at once."""

from __future__ import annotations

import random

MAX_DELAY_S = 12 * 3600  # SQS's largest visibility timeout


def retry_delay_s(delivery: int, base_s: int, rng: random.Random | None = None) -> int:
    """Seconds before delivery number `delivery` + 1, uniform in [0, base * 2^(delivery-1)], capped."""
    if base_s <= 0:
        return 0
    ceiling = min(MAX_DELAY_S, base_s * 2 ** max(0, delivery - 1))
    return int((rng or random.SystemRandom()).uniform(0, ceiling))
