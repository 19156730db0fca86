"""What the triage routes take and answer (functions/triage/handlers/triage_routes.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from triage.models.rules import Level


class OverrideRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: Level
    reason: str = Field(min_length=3, max_length=200)


class ReasonView(BaseModel):
    code: str
    text: str


class OverrideView(BaseModel):
    level: Level
    reason: str
    by: str
    at: str


class TriageState(BaseModel):
    thread_id: str
    triage_level: Level | None = None
    triage_reasons: list[ReasonView] = Field(default_factory=list)
    triage_override: OverrideView | None = None
    triage_rules_version: int | None = None


class RulesView(BaseModel):
    version: int
    rules: dict[str, Any]  # the RuleSet as JSON
    updated_at: str | None = None
    updated_by: str | None = None
    shipped: bool  # True: the rules shipped with the code (no admin has saved any)


class RulesSaveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    based_on_version: int = Field(ge=1)  # the version the admin edited: a concurrent save answers 409
    rules: dict[str, Any]


class NoticeView(BaseModel):
    kind: str
    thread_id: str
    codes: list[str]
    at: str


class NoticeList(BaseModel):
    notices: list[NoticeView]
