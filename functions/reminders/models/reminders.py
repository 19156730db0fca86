"""Reminders before a deadline (docs/architecture.md, "Reminders"): the records an agency uploads, the plan
per kind of record, and what the API answers."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from switchboard.phone import normalize_phone

Kind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
RecordStatus = Literal["planned", "finished", "done", "completed", "replaced", "failed"]
MAX_RECORDS = 2000
PLACEHOLDERS = re.compile(r"\{(\w+)\}")
KNOWN_PLACEHOLDERS = {"name", "due_date", "agency"}


class ReminderPlan(BaseModel):
    """How many days before the due date each reminder goes, at what local hour, in which words."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    kind: Kind
    offsets_days: list[Annotated[int, Field(ge=0, le=365)]] = Field(min_length=1, max_length=6)
    send_hour: int = Field(default=10, ge=8, le=20)  # in the agency's time zone, outside quiet hours
    texts: dict[Language, Annotated[str, StringConstraints(min_length=1, max_length=480)]]

    @model_validator(mode="after")
    def _valid(self) -> ReminderPlan:
        if "en" not in self.texts:
            raise ValueError("an English text is required")
        for text in self.texts.values():
            unknown = set(PLACEHOLDERS.findall(text)) - KNOWN_PLACEHOLDERS
            if unknown:
                raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}: use {{name}}, {{due_date}}")
        self.offsets_days = sorted(set(self.offsets_days), reverse=True)
        return self


class RecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, defer_build=True)

    name: str = Field(default="", max_length=80)
    phone: str = Field(min_length=7, max_length=32)
    language: Language = "en"
    due_date: date
    kind: Kind

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        return normalize_phone(value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return " ".join(value.split())


class UploadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, defer_build=True)

    records: list[dict[str, object]] | None = Field(default=None, max_length=MAX_RECORDS)
    csv: str | None = Field(default=None, max_length=1_000_000)

    @model_validator(mode="after")
    def _one(self) -> UploadRequest:
        if (self.records is None) == (self.csv is None):
            raise ValueError("send either records or csv")
        return self


class RowError(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    row: int
    field: str
    message: str


class UploadResult(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    rows: int
    planned: int
    already_planned: int
    replaced: int  # earlier records of the same person and kind with another due date, stopped
    errors: list[RowError]


class SendView(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    at: str
    status: Literal["pending", "sent", "skipped_opted_out", "deferred", "cancelled"]
    sent_at: str | None = None


class RecordView(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    record_id: str
    kind: str
    name: str
    phone_last4: str
    language: str
    due_date: str
    status: RecordStatus
    stop_reason: str | None = None
    created_at: str
    sends: list[SendView]
    next_send_at: str | None = None


class RecordList(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    records: list[RecordView]


class PlanList(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    plans: list[ReminderPlan]
