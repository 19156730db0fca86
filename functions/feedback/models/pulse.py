"""The staff pulse (issue 18 item 2): a short question set sent by a supervisor, answered anonymously."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MIN_GROUP = 5  # results show only for 5 answers or more

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]


class PulseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Text  # answered 1-5
    text_question: Text | None = None  # an optional free text
    department_id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")] | None = None


class PulseAnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{20,64}$")]
    score: int = Field(ge=1, le=5)
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class PulseView(BaseModel):
    pulse_id: str
    question: str
    text_question: str | None = None
    department_id: str | None = None  # None: every staff member
    created_at: str
    created_by: str | None = None
    answers: int = 0


class PulseList(BaseModel):
    pulses: list[PulseView]


class OpenPulse(BaseModel):
    """A pulse for the caller: `token` is given once, when first issued (the page keeps it until answered);
    `issued_before`: a token was given to this person earlier (the server cannot tell whether it was used)."""

    pulse_id: str
    question: str
    text_question: str | None = None
    token: str | None = None
    issued_before: bool = False


class OpenPulses(BaseModel):
    pulses: list[OpenPulse]


class PulseResults(BaseModel):
    pulse_id: str
    question: str
    text_question: str | None = None
    answers: int
    minimum: int = MIN_GROUP
    shown: bool
    distribution: dict[str, int] | None = None
    mean: float | None = None
    texts: list[str] | None = None
