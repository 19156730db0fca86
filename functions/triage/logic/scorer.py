"""The triage scorer: a level (critical, high, normal) and the reasons for it, from rules that are data.

Pure: no AWS, no clock. `Scorer(rules).score(text)` is what the inbound step, the re-score job and
`make triage-eval` all call, so the figures the evaluation prints are the figures production gets.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from triage.logic.text import Word, words_of
from triage.models.rules import GAP, LEVELS, MAX_GAP, Fuzzy, Level, Phrases, RuleSet, level_rank
from triage.models.score import Reason, Score

DEFAULT_RULES_PATH = Path(__file__).resolve().parent.parent / "data" / "rules.json"


@cache
def default_rules() -> RuleSet:
    """The rules shipped with the package (an admin's edited rules replace them: triage.dal)."""
    return RuleSet.model_validate(json.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class _Term:
    word: str
    prefix: bool = False  # "pill*"
    gap: bool = False  # "..."


@dataclass(frozen=True)
class _Pattern:
    code: str
    language: str
    terms: tuple[_Term, ...]


@dataclass(frozen=True)
class _Hit:
    code: str
    language: str
    first: int  # word indexes, inclusive
    last: int


def _damerau_within(a: str, b: str, limit: int) -> bool:
    """Optimal string alignment distance <= limit (a swap of neighbours counts as one edit)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return False
        previous2, previous = previous, current
    return previous[-1] <= limit


class _Matcher:
    def __init__(self, fuzzy: Fuzzy, emoji: dict[str, str]) -> None:
        self._fuzzy = fuzzy
        self._never = frozenset(fuzzy.never)
        self._emoji = emoji

    def compile(self, code: str, phrases: Phrases) -> list[_Pattern]:
        patterns = []
        for language, texts in phrases.items():
            for text in texts:
                terms: list[_Term] = []
                for piece in text.split():
                    if piece == GAP:
                        terms.append(_Term("", gap=True))
                        continue
                    prefix = piece.endswith("*")
                    folded = [word.folded for word in words_of(piece.rstrip("*"), self._emoji)]
                    terms.extend(_Term(word) for word in folded[:-1])
                    terms.append(_Term(folded[-1], prefix=prefix))
                patterns.append(_Pattern(code, language, tuple(terms)))
        return patterns

    def _slip(self, term: _Term, word: str, min_length: int) -> bool:
        fuzzy = self._fuzzy
        return (
            not term.prefix
            and len(term.word) >= min_length
            and len(word) >= min_length - fuzzy.max_distance
            and word not in self._never
            and not word.isdigit()
            and _damerau_within(word, term.word, fuzzy.max_distance)
        )

    def _end_of_match(
        self, words: Sequence[Word], at: int, terms: Sequence[_Term], slips_left: int, phrase: bool
    ) -> int | None:
        """The index of the last word of a match of `terms` starting at word `at`, or None.

        `slips_left`: how many misspelt words the rest of the match may still contain; `phrase`: the pattern
        has several words, so short words may slip too."""
        if not terms:
            return at - 1
        term, rest = terms[0], terms[1:]
        if term.gap:
            for skip in range(MAX_GAP + 1):
                end = self._end_of_match(words, at + skip, rest, slips_left, phrase)
                if end is not None:
                    return end
            return None
        if at >= len(words):
            return None
        word = words[at].folded
        if word == term.word or (term.prefix and word.startswith(term.word)):
            return self._end_of_match(words, at + 1, rest, slips_left, phrase)
        if at + 1 < len(words) and word + words[at + 1].folded == term.word:  # "my self" for "myself"
            return self._end_of_match(words, at + 2, rest, slips_left, phrase)
        # One slipped word per match, so the phrase's other words vouch for a short one.
        min_length = (
            min(self._fuzzy.short_min_length, self._fuzzy.min_length) if phrase else self._fuzzy.min_length
        )
        if slips_left and self._slip(term, word, min_length):
            return self._end_of_match(words, at + 1, rest, slips_left - 1, phrase)
        return None

    def index(self, patterns: Iterable[_Pattern]) -> _Index:
        return _Index(list(patterns), self._fuzzy.max_distance)

    def hits(self, words: Sequence[Word], index: _Index) -> list[_Hit]:
        """Each pattern's first match in `words` (one reason per pattern is enough to explain it)."""
        found: dict[int, _Hit] = {}
        for at, word in enumerate(words):
            joined = word.folded + words[at + 1].folded if at + 1 < len(words) else None
            for number in index.candidates(word.folded, joined):
                if number in found:
                    continue
                pattern = index.patterns[number]
                phrase = index.is_phrase[number]
                end = self._end_of_match(words, at, pattern.terms, 1, phrase)
                if end is not None:
                    found[number] = _Hit(pattern.code, pattern.language, at, end)
        return list(found.values())


def _deletions(word: str, depth: int) -> set[str]:
    keys = {word}
    for _ in range(depth):
        keys |= {key[:i] + key[i + 1 :] for key in keys for i in range(len(key))}
    return keys


class _Index:
    """Which patterns may start at a word: by their first word exactly, by prefix, or one slip away (the
    words that share a one-letter deletion with it), so a text is not tried against every pattern."""

    def __init__(self, patterns: list[_Pattern], max_distance: int) -> None:
        self.patterns = patterns
        self.is_phrase = [sum(not term.gap for term in p.terms) > 1 for p in patterns]
        self._depth = max_distance
        self._exact: dict[str, list[int]] = {}
        self._prefixes: list[tuple[str, int]] = []
        self._near: dict[str, set[str]] = {}
        for number, pattern in enumerate(patterns):
            first = pattern.terms[0]
            if first.prefix:
                self._prefixes.append((first.word, number))
                continue
            self._exact.setdefault(first.word, []).append(number)
            for key in _deletions(first.word, max_distance):
                self._near.setdefault(key, set()).add(first.word)

    def candidates(self, word: str, joined: str | None) -> list[int]:
        numbers: set[int] = set()
        firsts = {word, joined} if joined else {word}
        for key in _deletions(word, self._depth):
            firsts |= self._near.get(key, set())
        for first in firsts:
            if first is not None:
                numbers.update(self._exact.get(first, ()))
        numbers.update(number for prefix, number in self._prefixes if word.startswith(prefix))
        return sorted(numbers)


class Scorer:
    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        matcher = _Matcher(rules.fuzzy, rules.emoji)
        self._matcher = matcher
        self._levels = {rule.code: rule.level for rule in rules.rules}
        self._with_vulnerable = {
            rule.code: highest([rule.level, rule.with_vulnerable or rules.modifier_raises_to])
            for rule in rules.rules
        }
        self._crisis_codes = frozenset(rule.code for rule in rules.rules if rule.crisis_reply)
        self._rules = matcher.index(
            p for rule in rules.rules for p in matcher.compile(rule.code, rule.phrases)
        )
        self._modifiers = matcher.index(
            p for mod in rules.modifiers for p in matcher.compile(mod.code, mod.phrases)
        )
        # An idiom's code says which of the idioms it is, so its hit finds what it suppresses.
        self._idiom_suppresses = [tuple(idiom.suppresses) for idiom in rules.idioms]
        self._idioms = matcher.index(
            p
            for number, idiom in enumerate(rules.idioms)
            for p in matcher.compile(f"idiom.{number}", idiom.phrases)
        )

    @property
    def version(self) -> int:
        return self.rules.version

    def score(self, text: str) -> Score:
        words = words_of(text, self.rules.emoji)
        idioms = [
            (hit, self._idiom_suppresses[int(hit.code.removeprefix("idiom."))])
            for hit in self._matcher.hits(words, self._idioms)
        ]

        def kept(hit: _Hit) -> bool:
            return not any(
                other.first <= hit.last
                and hit.first <= other.last
                and (not suppresses or hit.code.startswith(suppresses))
                for other, suppresses in idioms
            )

        needs = [hit for hit in self._matcher.hits(words, self._rules) if kept(hit)]
        modifiers = [hit for hit in self._matcher.hits(words, self._modifiers) if kept(hit)]
        levels = self._with_vulnerable if modifiers else self._levels
        level = highest(levels[hit.code] for hit in needs)
        deciding = [hit for hit in needs if levels[hit.code] == level] or needs
        hits = sorted(self._one_per_code([*needs, *modifiers]), key=lambda hit: hit.first)
        return Score(
            level=level,
            reasons=tuple(self._reason(text, words, hit) for hit in hits),
            rules_version=self.rules.version,
            crisis=level == "critical" and any(hit.code in self._crisis_codes for hit in needs),
            language=deciding[0].language if deciding else "en",
        )

    @staticmethod
    def _one_per_code(hits: Iterable[_Hit]) -> list[_Hit]:
        first: dict[str, _Hit] = {}
        for hit in sorted(hits, key=lambda hit: hit.first):
            first.setdefault(hit.code, hit)
        return list(first.values())

    @staticmethod
    def _reason(text: str, words: Sequence[Word], hit: _Hit) -> Reason:
        start, end = words[hit.first].start, words[hit.last].end
        return Reason(code=hit.code, text=text[start:end], start=start, end=end, language=hit.language)


def highest(levels: Iterable[Level]) -> Level:
    return max(levels, key=level_rank, default=LEVELS[0])
