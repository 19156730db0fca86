"""The feedback survey, ratings and follow-up items (issue 18), as stored and as the agent page sees them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# scheduled: waits for the end of quiet hours; sent: the resident may answer; answered: rated;
# ended: the resident wrote something else, or a later prompt took its place; cancelled: not sent after all.
SurveyState = Literal["scheduled", "sent", "answered", "ended", "cancelled"]
SURVEY_PROMPT = "survey"  # the kind of the thread's pending prompt (inbox.dal.pending_prompts)


@dataclass(frozen=True)
class Survey:
    survey_id: str
    thread_id: str
    address: str
    channel: str
    language: str
    closed_at: str
    state: SurveyState
    agent: str | None = None
    department: str | None = None
    send_at: str | None = None
    sent_at: str | None = None
    answer_sid: str | None = None

    def but(self, **changes: object) -> Survey:
        return replace(self, **changes)  # type: ignore[arg-type]


class RatingView(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    rating_id: str
    thread_id: str
    rating: int = Field(ge=1, le=5)
    words: str = ""
    at: str
    survey_sent_at: str
    agent: str | None = None
    department: str | None = None
    channel: str


class RatingList(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    ratings: list[RatingView]
    sent: int
    responses: int
    response_rate: float
    satisfaction: float
    distribution: dict[str, int]


class FollowUpView(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    follow_up_id: str
    thread_id: str
    rating: int
    words: str
    at: str
    agent: str | None = None
    department: str | None = None
    channel: str
    state: Literal["open", "done"] = "open"
    done_by: str | None = None
    done_at: str | None = None


class FollowUpList(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    follow_ups: list[FollowUpView]
