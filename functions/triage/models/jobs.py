"""The background re-score's queue messages (TriageRescoreQueue)."""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import BaseModel, ConfigDict, Field, Json


class RescoreJob(BaseModel):
    """Re-score the open threads from `cursor` (None: from the top) with rules version `rules_version`."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["triage.rescore"] = "triage.rescore"
    rules_version: int = Field(ge=1)
    cursor: str | None = Field(default=None, max_length=300)


class RescoreRecord(SqsRecordModel):
    model_config = ConfigDict(hide_input_in_errors=True)

    body: Json[RescoreJob]  # type: ignore[assignment]
