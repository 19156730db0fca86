"""What the scorer says about one text."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from triage.models.rules import Level


class Reason(BaseModel):
    """One rule that fired: its code and the exact span of the resident's text that triggered it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    code: str
    text: str
    start: int
    end: int
    language: str


class Score(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    level: Level
    reasons: tuple[Reason, ...] = ()
    rules_version: int
    crisis: bool = False  # answer the resident with the crisis resources
    language: str = "en"  # of the words that decided the level

    @property
    def codes(self) -> list[str]:
        return [reason.code for reason in self.reasons]
