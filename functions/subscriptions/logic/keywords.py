"""What a resident's text asks for, read the way carriers read keywords: pure, no I/O.

Carriers and Twilio treat a message that *is* a keyword (any case, stray spaces and punctuation) as that
keyword. A longer message that only mentions one ("cancel my appointment", "end of the street") is not: the
agency must not lose a resident because they used a common word in a sentence. Such messages, when they read
like a request to stop, are flagged for staff instead (`reads_like_revocation`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cache

from switchboard import i18n
from switchboard.words import words_of

ALL = "ALL"  # the command's own word for "every topic", whatever word the resident used
_ZIP = re.compile(r"^\d{5}$")
_ZIP_PLUS4 = re.compile(r"^\d{4}$")
TOPIC_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,19}$")

# The words live in the catalogs (catalogs/<lang>/keywords.json: comma-separated phrases), one file per
# language: adding a language's keywords is adding its file. Carriers' English words work for everyone.
COMMAND_KINDS = ("stop", "start", "help", "join")
Phrase = tuple[str, ...]


@dataclass(frozen=True)
class OptOut:
    """Stop everything (`topic` None) or one topic. `lang`: the language of the keyword used."""

    topic: str | None = None
    lang: str = i18n.DEFAULT


@dataclass(frozen=True)
class OptIn:
    """START/UNSTOP: resume everything (`topic` None), or "START WATER": resume one topic."""

    topic: str | None = None
    lang: str = i18n.DEFAULT


@dataclass(frozen=True)
class Help:
    lang: str = i18n.DEFAULT


@dataclass(frozen=True)
class Join:
    """ "JOIN" alone (`topic` None: list the topics), "JOIN ALL", "JOIN WATER"; `unknown` names a topic the
    agency does not offer."""

    topic: str | None = None
    unknown: str | None = None
    lang: str = i18n.DEFAULT


@dataclass(frozen=True)
class ZipCode:
    """A bare ZIP code; it means something only in reply to the ZIP prompt (and has no language)."""

    zip_code: str


Command = OptOut | OptIn | Help | Join | ZipCode


class KeywordClash(ValueError):
    """One phrase given two meanings by the catalogs (e.g. a language's START word is another's STOP)."""


@dataclass(frozen=True)
class Vocabulary:
    """Every language's keywords, as words_of() reads them (upper case, accents dropped)."""

    commands: Mapping[Phrase, tuple[str, str]]  # phrase -> (kind, lang); the first language listed wins
    confirm: Mapping[Phrase, str]  # YES, SÍ, CÓ...: answers to a sign-up text, not consent commands
    all_words: frozenset[Phrase]
    stop_fillers: frozenset[Phrase]
    please: frozenset[Phrase]

    def words(self, kind: str, lang: str | None = None) -> frozenset[str]:
        """The one-word keywords of `kind` (in `lang`, or every language)."""
        table = (
            self.confirm.items()
            if kind == "confirm"
            else ((p, m[1]) for p, m in self.commands.items() if m[0] == kind)
        )
        return frozenset(p[0] for p, where in table if len(p) == 1 and lang in (None, where))

    @property
    def first_words(self) -> frozenset[str]:
        """The first word of every command phrase: no other keyword step may register one."""
        return frozenset(phrase[0] for phrase in self.commands) | frozenset(p[0] for p in self.please)


def _phrases(lang: str, key: str) -> list[Phrase]:
    text = i18n.catalog(lang).get(f"keywords.{key}", "")  # no English fallback: that would relabel its words
    return [words for part in text.split(",") if (words := words_of(part))]


@cache
def vocabulary() -> Vocabulary:
    commands: dict[Phrase, tuple[str, str]] = {}
    confirm: dict[Phrase, str] = {}
    all_words: set[Phrase] = set()
    fillers: set[Phrase] = set()
    please: set[Phrase] = set()
    for lang in i18n.languages():
        for kind in (*COMMAND_KINDS, "confirm"):
            for phrase in _phrases(lang, kind):
                known = (
                    commands[phrase][0] if phrase in commands else "confirm" if phrase in confirm else None
                )
                if known not in (None, kind):
                    raise KeywordClash(f"{' '.join(phrase)!r} means {known} and {kind} ({lang})")
                if kind == "confirm":
                    confirm.setdefault(phrase, lang)
                else:
                    commands.setdefault(phrase, (kind, lang))
        all_words.update(_phrases(lang, "all"))
        fillers.update(_phrases(lang, "stop_fillers"))
        please.update(_phrases(lang, "please"))
    return Vocabulary(commands, confirm, frozenset(all_words), frozenset(fillers), frozenset(please))


# The carriers' English words, one word each (tests and the reserved-word list read them).
STOP_WORDS = vocabulary().words("stop", i18n.DEFAULT)
START_WORDS = vocabulary().words("start", i18n.DEFAULT)
HELP_WORDS = vocabulary().words("help", i18n.DEFAULT)
JOIN_WORDS = vocabulary().words("join", i18n.DEFAULT)


def parse_command(
    body: str, topics: Collection[str], aliases: Mapping[str, str] | None = None
) -> Command | None:
    """The consent or subscription command `body` is, or None when it is a message for staff.

    `topics`: the agency's topic codes; `aliases`: a topic's word in another language -> its code ("AGUA" ->
    "WATER"), as words_of() reads it.
    """
    words = words_of(body)
    if len(words) == 1 and _ZIP.match(words[0]):
        return ZipCode(words[0])
    if len(words) == 2 and _ZIP.match(words[0]) and _ZIP_PLUS4.match(words[1]):
        return ZipCode(words[0])
    vocab = vocabulary()
    found = _command_at(words, vocab)
    if found is None:
        # "PLEASE STOP", "POR FAVOR ALTO": nothing else after the stop word.
        for please in vocab.please:
            if words[: len(please)] == please:
                after = _command_at(words[len(please) :], vocab)
                if after is not None and after[0] == "stop" and after[2] == ():
                    return OptOut(lang=after[1])
        return None
    kind, lang, rest = found
    if not rest:
        return {"stop": OptOut, "start": OptIn, "help": Help, "join": Join}[kind](lang=lang)
    topic = _topic(rest, topics, aliases or {})
    if kind == "stop":
        if topic is not None:
            return OptOut(topic, lang)
        return OptOut(lang=lang) if rest in vocab.stop_fillers or rest in vocab.all_words else None
    if kind == "start":
        if topic is not None:
            return OptIn(topic, lang)
        return OptIn(lang=lang) if rest in vocab.all_words else None
    if kind == "join":
        if rest in vocab.all_words:
            return Join(ALL, lang=lang)
        if topic is not None:
            return Join(topic, lang=lang)
        return Join(unknown=rest[0], lang=lang) if len(rest) == 1 and TOPIC_CODE.match(rest[0]) else None
    return None  # HELP and more words: a question for staff


def _command_at(words: Phrase, vocab: Vocabulary) -> tuple[str, str, Phrase] | None:
    """(kind, language, the words after it) for the longest keyword phrase `words` starts with."""
    for size in range(len(words), 0, -1):
        meaning = vocab.commands.get(words[:size])
        if meaning is not None:
            return meaning[0], meaning[1], words[size:]
    return None


def _topic(rest: Phrase, topics: Collection[str], aliases: Mapping[str, str]) -> str | None:
    if len(rest) == 1 and rest[0] in topics:
        return rest[0]
    return aliases.get(" ".join(rest))


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
