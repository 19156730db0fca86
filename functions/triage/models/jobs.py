"""The background re-score's queue messages (TriageRescoreQueue)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import BaseModel, ConfigDict, Field, Json

from triage.models.score import Score


class RescoreJob(BaseModel):
    """Re-score the open threads from `cursor` (None: from the top) with rules version `rules_version`."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    kind: Literal["triage.rescore"] = "triage.rescore"
    rules_version: int = Field(ge=1)
    cursor: str | None = Field(default=None, max_length=300)


class RescoreRecord(SqsRecordModel):
    model_config = ConfigDict(hide_input_in_errors=True, defer_build=True)

    body: Json[RescoreJob]  # type: ignore[assignment]


@dataclass(frozen=True)
class ThreadRescore:
    """A re-score's new level for a thread, and the thread's triage fields as the re-score read them."""

    thread_id: str
    score: Score
    waiting_since: str
    current: dict[str, Any] = field(default_factory=dict)
