"""What a resident's text asks for, read the way carriers read keywords: pure, no I/O.

Carriers and Twilio treat a message that *is* a keyword (any case, stray spaces and punctuation) as that
keyword. A longer message that only mentions one ("cancel my appointment", "end of the street") is not: the
agency must not lose a resident because they used a common word in a sentence. Such messages, when they read
like a request to stop, are flagged for staff instead (`reads_like_revocation`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from switchboard.words import words_of

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
JOIN_WORDS = frozenset({"JOIN", "SUBSCRIBE"})
ALL = "ALL"
# A second word that does not narrow a STOP to a topic but still means "stop": "STOP ALL", "STOP PLEASE".
_STOP_FILLERS = frozenset({ALL, "PLEASE", "NOW", "ME", "EVERYTHING", "IT", "THANKS"})
_ZIP = re.compile(r"^\d{5}$")
_ZIP_PLUS4 = re.compile(r"^\d{4}$")
TOPIC_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,19}$")


@dataclass(frozen=True)
class OptOut:
    """Stop everything (`topic` None) or one topic."""

    topic: str | None = None


@dataclass(frozen=True)
class OptIn:
    """START/UNSTOP: resume everything (`topic` None), or "START WATER": resume one topic."""

    topic: str | None = None


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Join:
    """ "JOIN" alone (`topic` None: list the topics), "JOIN ALL", "JOIN WATER"; `unknown` names a topic the
    agency does not offer."""

    topic: str | None = None
    unknown: str | None = None


@dataclass(frozen=True)
class ZipCode:
    """A bare ZIP code; it means something only in reply to the ZIP prompt."""

    zip_code: str


Command = OptOut | OptIn | Help | Join | ZipCode


def parse_command(body: str, topics: Collection[str]) -> Command | None:
    """The consent or subscription command `body` is, or None when it is a message for staff."""
    words = words_of(body)
    if words == ("OPT", "OUT"):
        return OptOut()
    if len(words) == 1:
        return _one_word(words[0])
    if len(words) == 2:
        return _two_words(*words, topics=topics)
    return None


def _one_word(word: str) -> Command | None:
    if word in STOP_WORDS:
        return OptOut()
    if word in START_WORDS:
        return OptIn()
    if word in HELP_WORDS:
        return Help()
    if word in JOIN_WORDS:
        return Join()
    if _ZIP.match(word):
        return ZipCode(word)
    return None


def _two_words(first: str, second: str, *, topics: Collection[str]) -> Command | None:
    if first in STOP_WORDS:
        if second in topics:
            return OptOut(second)
        if second in _STOP_FILLERS:
            return OptOut()
        return None
    if first == "PLEASE" and second in STOP_WORDS:
        return OptOut()
    if first in START_WORDS:
        if second in topics:
            return OptIn(second)
        return OptIn() if second == ALL else None
    if first in JOIN_WORDS:
        if second == ALL:
            return Join(ALL)
        if second in topics:
            return Join(second)
        return Join(unknown=second) if TOPIC_CODE.match(second) else None
    if _ZIP.match(first) and _ZIP_PLUS4.match(second):
        return ZipCode(first)
    return None


# Phrases that read as "stop contacting me" in a longer message. A hit only flags the thread for staff:
# a false positive costs a glance, a false negative costs a resident's trust.
_REVOCATION_PATTERNS = [
    re.compile(p)
    for p in (
        r"\b(stop|quit|cease|end)\b.{0,40}\b(text|texting|texts|messag\w*|contact\w*|sending|sms|alerts?)\b",
        r"\b(don ?t|do not|never|no more)\b.{0,30}\b(text|texts|texting|messag\w*|contact\w*|sms|alerts?)\b",
        r"\b(unsubscribe|opt ?out|remove me|take me off|leave me alone|wrong number|not interested)\b",
        r"\b(delete|remove) my (number|phone)\b",
    )
]


def reads_like_revocation(body: str) -> bool:
    text = " ".join(
        unicodedata.normalize("NFKC", body).lower().replace("\u2019", "'").replace("'", " ").split()
    )
    return any(pattern.search(text) for pattern in _REVOCATION_PATTERNS)
