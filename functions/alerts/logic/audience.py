"""Who an alert reaches: subscribers of any of its topics, in any of its zones (none = every zone), each once.

Pure: the planner and the preview pass the subscriber items they read. The send-time consent check is
separate (logic/delivery.py): a subscriber item is a list, the consent state is the law.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Subscriber:
    address: str
    zones: tuple[str, ...]
    language: str | None
    channels: tuple[str, ...] = ("sms",)  # how alerts reach them (issue 22)


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str | None
    zones: tuple[str, ...]
    channels: tuple[str, ...] = ("sms",)


def select_recipients(
    subscribers_by_topic: Iterable[Iterable[Subscriber]], zones: Iterable[str]
) -> list[Recipient]:
    """Each subscriber once (a resident on two of the topics gets one text), in a stable order."""
    wanted = frozenset(zones)
    chosen: dict[str, Recipient] = {}
    for subscribers in subscribers_by_topic:
        for subscriber in subscribers:
            if subscriber.address in chosen:
                continue
            if wanted and not wanted.intersection(subscriber.zones):
                continue
            chosen[subscriber.address] = Recipient(
                subscriber.address, subscriber.language, subscriber.zones, subscriber.channels
            )
    return list(chosen.values())


def language_served(language: str | None, languages: Iterable[str]) -> str:
    """The text a resident gets: their language if written, else English, else the first written."""
    available = sorted(languages)
    for candidate in (language, "en", *available):
        if candidate and candidate in available:
            return candidate
    return language or "en"


@dataclass(frozen=True)
class Fallback:
    """Residents who read `reads` but will get the `gets` text: no text was written in their language."""

    reads: str
    gets: str
    residents: int


def fallbacks(recipients: Iterable[Recipient], languages: Iterable[str]) -> list[Fallback]:
    """Per language a resident reads, how many will get another language's text (none when no text yet)."""
    written = list(languages)
    if not written:
        return []
    counts = Counter((r.language or "en", language_served(r.language, written)) for r in recipients)
    return [Fallback(reads, gets, n) for (reads, gets), n in sorted(counts.items()) if reads != gets]


def count_by_channel(recipients: Iterable[Recipient]) -> dict[str, int]:
    counts = Counter(channel for r in recipients for channel in r.channels)
    return dict(sorted(counts.items()))


def count_by_language(recipients: Iterable[Recipient], languages: Iterable[str]) -> dict[str, int]:
    written = list(languages)
    counts = Counter(
        language_served(r.language, written) if written else (r.language or "en") for r in recipients
    )
    return dict(sorted(counts.items()))
