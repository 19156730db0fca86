"""The staff pulse (issue 18 item 2): "How manageable was your load this week? 1-5" and a free text.

Anonymous by construction: a person is issued one random token per pulse the first time they open it (the
server keeps its hash, apart from them, and a mark that they had one); the answer consumes the token and is
stored with its score and text only. Results show only when at least 5 people answered, so no small group's
answers can be told apart.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from switchboard.clock import format_timestamp

from feedback.models.pulse import (
    MIN_GROUP,
    OpenPulse,
    OpenPulses,
    PulseAnswerRequest,
    PulseList,
    PulseRequest,
    PulseResults,
    PulseView,
)

OPEN_PULSES_READ = 20  # the newest pulses a person is offered


class PulseStore(Protocol):
    def create(self, pulse: dict[str, Any]) -> None: ...

    def get(self, pulse_id: str) -> dict[str, Any] | None: ...

    def recent(self, limit: int) -> list[dict[str, Any]]: ...

    def issued_to(self, pulse_id: str, sub: str) -> bool: ...

    def issue(self, pulse_id: str, sub: str, token: str) -> bool: ...

    def answer(self, pulse_id: str, token: str, answer_id: str, score: int, text: str) -> bool: ...

    def answers(self, pulse_id: str) -> list[dict[str, Any]]: ...


class PulseNotFound(LookupError):
    pass


class PulseTokenRefused(ValueError):
    """An unknown token, or one already used: one answer per person."""


@dataclass(frozen=True)
class Pulses:
    store: PulseStore
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    new_token: Callable[[], str] = lambda: secrets.token_urlsafe(24)
    new_id: Callable[[], str] = lambda: uuid.uuid4().hex

    def create(self, request: PulseRequest, by: str) -> PulseView:
        pulse = {
            "pulse_id": self.new_id(),
            "question": request.question,
            "text_question": request.text_question,
            "department_id": request.department_id,
            "created_at": format_timestamp(self.now()),
            "created_by": by,
        }
        self.store.create(pulse)
        return PulseView.model_validate(pulse)

    def list(self, limit: int = 50) -> PulseList:
        views = []
        for item in self.store.recent(limit):
            view = PulseView.model_validate(item)
            view.answers = len(self.store.answers(view.pulse_id))
            views.append(view)
        return PulseList(pulses=views)

    def open_for(self, sub: str, departments: frozenset[str]) -> OpenPulses:
        """The pulses sent to this person (everyone's, or their departments'), with their token if new."""
        found: list[OpenPulse] = []
        for item in self.store.recent(OPEN_PULSES_READ):
            department = item.get("department_id")
            if department and department not in departments:
                continue
            pulse_id = str(item["pulse_id"])
            token = self.new_token()
            issued = self.store.issue(pulse_id, sub, token)
            found.append(
                OpenPulse(
                    pulse_id=pulse_id,
                    question=str(item["question"]),
                    text_question=item.get("text_question"),
                    token=token if issued else None,
                    issued_before=not issued,
                )
            )
        return OpenPulses(pulses=found)

    def answer(self, pulse_id: str, request: PulseAnswerRequest) -> None:
        if self.store.get(pulse_id) is None:
            raise PulseNotFound(pulse_id)
        if not self.store.answer(pulse_id, request.token, self.new_id(), request.score, request.text):
            raise PulseTokenRefused(pulse_id)

    def results(self, pulse_id: str) -> PulseResults:
        pulse = self.store.get(pulse_id)
        if pulse is None:
            raise PulseNotFound(pulse_id)
        answers = self.store.answers(pulse_id)
        base = {
            "pulse_id": pulse_id,
            "question": str(pulse["question"]),
            "text_question": pulse.get("text_question"),
            "answers": len(answers),
        }
        if len(answers) < MIN_GROUP:
            return PulseResults(**base, shown=False)
        scores = [int(a["score"]) for a in answers]
        return PulseResults(
            **base,
            shown=True,
            distribution={str(score): scores.count(score) for score in range(1, 6)},
            mean=round(sum(scores) / len(scores), 2),
            # Sorted, so their order says nothing about who answered when.
            texts=sorted(str(a["text"]) for a in answers if a.get("text")),
        )
