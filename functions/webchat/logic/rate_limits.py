"""Per-session and per-address limits on the public chat routes: fixed windows counted in DynamoDB.

Each (scope, key, window) is one item incremented atomically with ADD and removed by the table's TTL
(switchboard.rate_windows, shared with the public texts' limits). The address is hashed with the deployment's
key (switchboard.log_hash) before it becomes a key: the table never holds a resident's IP address, nor a
digest that hashing every IPv4 address would reverse.
"""

from __future__ import annotations

from switchboard.log_hash import keyed_digest
from switchboard.rate_windows import Counters, WindowLimit, count_use

__all__ = ["Counters", "Limit", "RateLimited", "check_limit", "hashed"]

Limit = WindowLimit


# A person typing sends a few messages a minute; a whole office behind one NAT address starts a few sessions.
SESSION_MESSAGES = Limit("session-msg", 12, 60)
ADDRESS_MESSAGES = Limit("addr-msg", 60, 60)
ADDRESS_SESSIONS = Limit("addr-session", 20, 600)
SESSION_TYPING = Limit("session-typing", 40, 60)


class RateLimited(Exception):
    def __init__(self, limit: Limit, retry_after_s: int) -> None:
        super().__init__(f"rate limit {limit.scope} reached")
        self.limit = limit
        self.retry_after_s = retry_after_s


def hashed(value: str) -> str:
    return keyed_digest(value, 24)


def check_limit(counters: Counters, limit: Limit, subject: str, now: int) -> None:
    """Count one use of `limit` by `subject`; RateLimited when the window's count goes over."""
    over = count_use(counters, limit, hashed(subject), now)
    if over is not None:
        raise RateLimited(limit, over.retry_after_s)
