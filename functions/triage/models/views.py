"""What the triage routes take and answer (functions/triage/handlers/triage_routes.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from switchboard.phone import InvalidPhoneNumber, normalize_phone

from triage.models.rules import Level


class OverrideRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    level: Level
    reason: str = Field(min_length=3, max_length=200)


class ReasonView(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    code: str
    text: str


class OverrideView(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    level: Level
    reason: str
    by: str
    at: str


class TriageState(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    thread_id: str
    triage_level: Level | None = None
    triage_reasons: list[ReasonView] = Field(default_factory=list)
    triage_override: OverrideView | None = None
    triage_rules_version: int | None = None


class RulesView(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    version: int
    rules: dict[str, Any]  # the RuleSet as JSON
    updated_at: str | None = None
    updated_by: str | None = None
    shipped: bool  # True: the rules shipped with the code (no admin has saved any)


class RulesSaveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    based_on_version: int = Field(ge=1)  # the version the admin edited: a concurrent save answers 409
    rules: dict[str, Any]


class NoticeView(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    kind: str
    thread_id: str
    codes: list[str]
    at: str


class NoticeList(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    notices: list[NoticeView]


# The agent page's address, as the admin's browser reports it: https, or plain http on the local stack.
PAGE_URL_PATTERN = r"^(https://[A-Za-z0-9.-]+(:[0-9]{1,5})?|http://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?)/[A-Za-z0-9._~/-]*$"


class OnCallRequest(BaseModel):
    """PUT /api/triage/oncall: the number texted when a crisis is flagged (null: nobody), and the page the
    text links to (the page sends its own address)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    number: str | None = Field(default=None, max_length=40)
    page_url: str = Field(max_length=300, pattern=PAGE_URL_PATTERN)

    @field_validator("number")
    @classmethod
    def _a_phone_number(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            return normalize_phone(value)
        except InvalidPhoneNumber:
            raise ValueError("number is not a phone number") from None


class OnCallView(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    number: str | None = None
    page_url: str | None = None
    updated_at: str | None = None
    updated_by: str | None = None
