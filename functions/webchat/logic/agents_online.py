"""Is anybody there? Whether any enabled staff member has set themselves available (routing's presence), as
one yes/no for the public widget: never who, never how many.

Every open widget polls, so a busy site would read the staff list and their presence every second per
resident. The answer is cached per warm function for `ttl_s` (30 s): at most two reads per function per
30 s, whatever the traffic. An agent going available or away shows in the widget within that time plus
one poll.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from switchboard.observability import logger

CACHE_S = 30.0


class PresenceReader(Protocol):
    def enabled_staff(self) -> list[str]: ...

    def presence(self, subs: list[str]) -> dict[str, dict[str, object]]: ...


class AgentsOnline:
    def __init__(
        self, reader: PresenceReader, ttl_s: float = CACHE_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._reader = reader
        self._ttl_s = ttl_s
        self._clock = clock
        self._answer: bool | None = None
        self._until = 0.0
        self.reads = 0  # how many times the table was asked (tests, benchmarks)

    def __call__(self) -> bool:
        now = self._clock()
        if self._answer is not None and now < self._until:
            return self._answer
        try:
            self.reads += 1
            subs = self._reader.enabled_staff()
            states = self._reader.presence(subs)
            self._answer = any(state.get("presence") == "available" for state in states.values())
        except Exception:  # noqa: BLE001 - a hint must never break the chat: assume someone will answer
            logger.exception("Could not read agent presence for the chat")
            self._answer = True if self._answer is None else self._answer
        self._until = now + self._ttl_s
        return self._answer
