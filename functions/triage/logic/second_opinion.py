"""The scorer's optional second stage, as the triage step sees it (an implementation: triage.integrations.
second_opinion.ComprehendSecondOpinion)."""

from __future__ import annotations

from typing import Protocol

from triage.models.score import Score


class SecondOpinion(Protocol):
    def review(self, text: str, score: Score) -> Score:
        """The score to keep for `text`: `score` itself, or one level higher with the reason why."""


class NoSecondOpinion:
    """The rules alone (locally, in tests, and in the cloud unless an agency turns a second stage on)."""

    def review(self, text: str, score: Score) -> Score:
        return score
