"""Reading a resident's answer to "How did we do? Reply 1-5", and the satisfaction figures of some ratings.

Pure functions: the survey flow, the reports and the tests use the same arithmetic (issue 18 item 5:
ratings [5, 5, 4, 3, 2, 1] of 10 surveys sent give 6 responses, a 60% response rate and 50% satisfaction).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

LOWEST, HIGHEST = 1, 5
SATISFIED_FROM = 4  # Chatwoot's CSAT: ratings 4-5 are satisfied
LOW_UP_TO = 2  # a rating of 1-2 with words asks a supervisor to follow up

# One digit 1-5, not part of a longer number ("10", "2.5"), optionally "/5" or "of 5", then any words.
_RATING = re.compile(
    r"^\s*([1-5])(?![\d.,]\d)(?:\s*(?:/|of|de)\s*5)?(?P<rest>(?:[\s.,:;!?)\-–—*]+.*)?)$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class ParsedRating:
    rating: int
    words: str  # what the resident added ("slow answer"), trimmed; empty when they sent the digit alone

    @property
    def has_words(self) -> bool:
        return bool(self.words)

    @property
    def needs_follow_up(self) -> bool:
        return self.rating <= LOW_UP_TO and self.has_words


def parse_rating(body: str) -> ParsedRating | None:
    """'4' -> 4; '2 slow answer' -> 2 with words; 'five', '10', '2.5', 'call me' -> None (not a rating)."""
    text = unicodedata.normalize("NFKC", body or "")
    match = _RATING.match(text)
    if match is None:
        return None
    words = match.group("rest").strip(" \t\r\n.,:;!?)-–—*")
    return ParsedRating(rating=int(match.group(1)), words=words.strip())


@dataclass(frozen=True)
class Satisfaction:
    sent: int
    responses: int
    response_rate: float  # responses / sent, in percent (0 when nothing was sent)
    satisfaction: float  # ratings 4-5 / responses, in percent (0 when nobody answered)
    distribution: dict[int, int]  # rating -> count, every rating 1-5 present
    median: float | None


def satisfaction(sent: int, ratings: Sequence[int]) -> Satisfaction:
    """Chatwoot's CSAT: satisfaction = ratings 4-5 / responses; response rate = responses / sent."""
    if sent < 0 or any(not LOWEST <= r <= HIGHEST for r in ratings):
        raise ValueError("ratings are 1-5 and the number sent is not negative")
    responses = len(ratings)
    satisfied = sum(1 for r in ratings if r >= SATISFIED_FROM)
    ordered = sorted(ratings)
    median: float | None = None
    if ordered:
        middle = len(ordered) // 2
        median = float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return Satisfaction(
        sent=sent,
        responses=responses,
        response_rate=round(100 * responses / sent, 1) if sent else 0.0,
        satisfaction=round(100 * satisfied / responses, 1) if responses else 0.0,
        distribution={score: ratings.count(score) for score in range(LOWEST, HIGHEST + 1)},
        median=median,
    )
