"""A booked callback as the workflow and the agent page see it (item `CALLBACK#{callback_id}` / `META`)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CallbackStatus = Literal[
    "booked",  # waiting for the reminder and the slot
    "reminded",  # the reminder went out
    "due",  # at the slot: a task on the agent page, waiting for an agent to take it
    "escalated",  # nobody took it in time: offered to supervisors
    "in_call",  # an agent took it
    "done",
    "no_answer",  # two attempts without an answer; the resident was texted
    "cancelled",
    "failed",  # the workflow's failure path
]
Outcome = Literal["done", "no_answer"]
CALLBACK_ID = re.compile(r"^cb-[0-9a-f]{8,32}$")
TASKS_INDEX_PK = "CALLBACK_TASKS"  # gsi1pk of a callback while it is a task on the agent page
# gsi1pk of a booked callback until its slot (booked, then reminded), by slot: the upcoming list.
UPCOMING_INDEX_PK = "CALLBACK_UPCOMING"


class CallbackStart(BaseModel):
    """The state machine's execution input (the execution's name is `callback_id`)."""

    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    callback_id: str = Field(pattern=CALLBACK_ID.pattern)
    thread_id: str = Field(min_length=1, max_length=64)
    department: str = Field(min_length=1, max_length=64)
    slot_at: str  # ISO-8601 UTC, Z
    remind_at: str  # ISO-8601 UTC, Z; not after slot_at
    attempt: int = 1
    # The resident's language, for the texts the workflow sends (reminder, no answer).
    language: str | None = Field(default=None, max_length=16)


class Callback(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    callback_id: str
    thread_id: str
    department: str
    slot_at: str
    remind_at: str
    status: CallbackStatus
    attempt: int = 1
    escalated: bool = False
    taken_by: str | None = None
    outcome: Outcome | None = None
    created_at: str
    updated_at: str


class CallbackTask(BaseModel):
    """What the agent page lists: a callback waiting for a person. The task token never leaves the server."""

    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    callback_id: str
    thread_id: str
    department: str
    slot_at: str
    status: CallbackStatus
    attempt: int
    escalated: bool
    taken_by: str | None = None


class UpcomingCallback(BaseModel):
    """A booking whose slot has not come yet, as the Callbacks view lists it by day."""

    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    callback_id: str
    thread_id: str
    department: str
    slot_at: str
    status: CallbackStatus
    attempt: int = 1
