"""CALLBACK, RESCHEDULE and the numbered pick, registered with the inbound keyword dispatch
(subscriptions.logic.inbound_keywords.KeywordRegistry) by the inbound consumer."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import boto3
from subscriptions.logic.inbound_keywords import InboundText, KeywordRegistry
from subscriptions.logic.keywords import OtherKeyword

from callbacks.dal.callback_table import BookingTable
from callbacks.integrations.task_responses import WorkflowStarter
from callbacks.logic.booking import OFFERED, Booking, BusinessHours


def register_callback_keywords(registry: KeywordRegistry, table: Any, agency_name: Callable[[], str]) -> None:
    """Registers nothing when the stack has no callback workflow (CALLBACK_STATE_MACHINE_ARN unset)."""
    arn = os.environ.get("CALLBACK_STATE_MACHINE_ARN", "")
    if not arn:
        return
    zone = os.environ.get("AGENCY_TIME_ZONE", "America/New_York")
    hours = BusinessHours.parse(os.environ.get("CALLBACK_HOURS", "Mon-Fri 09:00-17:00"), zone)
    department = os.environ.get("CALLBACK_DEPARTMENT", "general")
    workflows = WorkflowStarter(boto3.client("stepfunctions"), arn)

    def booking() -> Booking:
        return Booking(BookingTable(table), workflows, hours, agency_name(), department)

    def on_callback(text: InboundText, keyword: OtherKeyword) -> str | None:
        if keyword.rest and keyword.rest[0] == "CANCEL":
            return booking().cancel(text.thread_id)
        if keyword.rest:
            return None  # "callback me tomorrow please": a message for staff
        return booking().offer_slots(text.thread_id)

    def on_reschedule(text: InboundText, keyword: OtherKeyword) -> str | None:
        return booking().offer_slots(text.thread_id) if not keyword.rest else None

    def on_number(text: InboundText, keyword: OtherKeyword) -> str | None:
        return booking().pick(text.thread_id, int(keyword.keyword)) if not keyword.rest else None

    registry.register("CALLBACK", on_callback)
    registry.register("RESCHEDULE", on_reschedule)
    for number in range(1, OFFERED + 1):
        registry.register(str(number), on_number)
