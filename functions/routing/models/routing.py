"""Presence and routing rules (docs/architecture.md, "Presence and routing")."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from switchboard.table_keys import DEFAULT_AGENT_CAP

Presence = Literal["available", "away", "offline"]
DEFAULT_CAP = DEFAULT_AGENT_CAP
DEPARTMENT_ID = r"^[a-z0-9][a-z0-9-]{0,39}$"


class RoutingRule(BaseModel):
    """First matching rule (in list order) chooses a new thread's department; a rule without conditions
    matches everything (the default department)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    department_id: str = Field(pattern=DEPARTMENT_ID)
    channel: Literal["sms", "whatsapp", "web"] | None = None
    keyword: str | None = Field(
        default=None, min_length=2, max_length=40
    )  # a whole word of the first message
    number: str | None = Field(default=None, min_length=2, max_length=64)  # the agency number dialled
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")  # the resident's language (ISO 639-1)


class RoutingRules(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    rules: list[RoutingRule] = Field(max_length=100)


class PresenceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    presence: Presence
    cap: int | None = Field(default=None, ge=1, le=50)


class PresenceState(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    sub: str
    presence: Presence
    cap: int
    load: int  # threads routed to this agent and still open with them
    updated_at: str | None = None
    returned_to_queue: int = 0  # threads handed back when going offline
    assigned_now: int = 0  # queued threads assigned on becoming available
