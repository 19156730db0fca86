"""Resident text as words the rules can match: folded for case and accents, apostrophes dropped inside a word,
emoji turned into the word they stand for, each word keeping where it sits in the original text."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

_APOSTROPHES = frozenset("'\u2019\u02bc`")
# Invisible parts of emoji sequences: variation selectors, the zero-width joiner, skin tones.
_EMOJI_GLUE = frozenset({"\ufe0e", "\ufe0f", "\u200d", *map(chr, range(0x1F3FB, 0x1F400))})


@dataclass(frozen=True)
class Word:
    """One word as the rules see it, and where it sits in the original text (`text[start:end]`)."""

    folded: str
    start: int
    end: int


def fold(char: str) -> str:
    """Case and accents folded: 'Á' -> 'a', 'ß' -> 'ss', 'ñ' -> 'n'."""
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(part for part in decomposed if not unicodedata.combining(part)).casefold()


def _is_symbol(char: str) -> bool:
    return unicodedata.category(char) == "So"


def words_of(text: str, emoji: Mapping[str, str]) -> list[Word]:
    words: list[Word] = []
    current: list[str] = []
    start = 0

    def close(end: int) -> None:
        if current:
            words.append(Word("".join(current), start, end))
            current.clear()

    for index, char in enumerate(text):
        if char in _EMOJI_GLUE:
            continue
        if char in emoji or _is_symbol(char):
            close(index)
            words.append(Word(emoji.get(char, char), index, index + 1))
            continue
        if char in _APOSTROPHES and current:
            continue  # "can't" -> "cant", "I'm" -> "im"
        folded = fold(char)
        if folded and all(part.isalnum() for part in folded):
            if not current:
                start = index
            current.append(folded)
        else:
            close(index)
    close(len(text))
    return words
