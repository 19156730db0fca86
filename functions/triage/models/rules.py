"""The triage rules as data: word lists and phrases per language, versioned, validated before use.

An admin edits these on the page; the scorer (triage.logic.scorer) never hard-codes a word. A phrase is
written like the text it matches: words are folded like the resident's text (case, accents, apostrophes),
`...` lets up to three other words sit in between, and a word ending in `*` matches any word it starts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Level = Literal["normal", "high", "critical"]
LEVELS: tuple[Level, ...] = ("normal", "high", "critical")
GAP = "..."
MAX_GAP = 3


def level_rank(level: Level) -> int:
    return LEVELS.index(level)


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


Phrases = dict[str, list[str]]  # language code -> phrases


def _phrases_valid(value: Phrases) -> Phrases:
    for language, phrases in value.items():
        if not language.isalpha() or len(language) > 3:
            raise ValueError(f"language codes are 2-3 letters, not {language!r}")
        for phrase in phrases:
            words = phrase.split()
            if not words or words[0] == GAP or words[-1] == GAP:
                raise ValueError(f"a phrase needs words around every '...': {phrase!r}")
            if any(word.strip("*") == "" for word in words):
                raise ValueError(f"'*' must end a word: {phrase!r}")
    return value


class Rule(_Data):
    """Words that raise a message to `level`. A rule of level normal is a concern: it counts only when a
    modifier (a vulnerable person) is also named, which raises the message to `with_vulnerable`."""

    code: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    level: Level
    # The level when a modifier is named too (default: the ruleset's `modifier_raises_to`, if higher):
    # "wandered off" is nothing for a dog and critical for a father with dementia.
    with_vulnerable: Level | None = None
    crisis_reply: bool = False  # a critical self-harm or violence message answers the resident at once
    phrases: Phrases

    _check = field_validator("phrases")(_phrases_valid)


class Modifier(_Data):
    code: str = Field(pattern=r"^[a-z_]+\.[a-z_]+$")
    phrases: Phrases

    _check = field_validator("phrases")(_phrases_valid)


class Idiom(_Data):
    """Figures of speech ("dying to know", "me muero de risa"): a reason whose words sit inside one is dropped
    when its code starts with one of `suppresses` (every code when empty)."""

    phrases: Phrases
    suppresses: list[str] = Field(default_factory=list)

    _check = field_validator("phrases")(_phrases_valid)


class Fuzzy(_Data):
    """Spelling slips: a word at least `min_length` long matches at one edit (a swap of two neighbouring
    letters counts as one), unless the resident's word is a real word listed in `never`. Inside a phrase of
    two or more words, a word from `short_min_length` letters may slip too ("kil myself"): a match allows
    one slipped word, so the phrase's other words vouch for it. Words written apart that the rule writes
    together ("my self") match as well."""

    min_length: int = Field(default=6, ge=4)
    short_min_length: int = Field(default=4, ge=3)
    max_distance: int = Field(default=1, ge=0, le=2)
    never: list[str] = Field(default_factory=list)


class RuleSet(_Data):
    version: int = Field(ge=1)
    fuzzy: Fuzzy = Fuzzy()
    emoji: dict[str, str] = Field(default_factory=dict)  # emoji -> the word it stands for
    rules: list[Rule]
    modifiers: list[Modifier] = Field(default_factory=list)
    modifier_raises_to: Level = "high"
    idioms: list[Idiom] = Field(default_factory=list)
    # The agency's own crisis answer, language -> text (its "en" the fallback for a language it did not
    # write); empty: the message catalog's ("triage.crisis_reply", 988 and 911) in the resident's language.
    crisis_reply: dict[str, str] = Field(default_factory=dict)

    @field_validator("crisis_reply")
    @classmethod
    def _crisis_reply_fits(cls, value: dict[str, str]) -> dict[str, str]:
        for language, text in value.items():
            if not 1 <= len(text.strip()) <= 320:
                raise ValueError(f"crisis_reply[{language!r}] must be 1..320 characters")
        return value
