"""DONE by text: a resident who renewed or paid stops their reminders (registered on the inbound path)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from subscriptions.logic.inbound_keywords import InboundText, KeywordRegistry
from subscriptions.logic.keywords import OtherKeyword

from reminders.dal.reminders_table import RemindersTable
from reminders.logic.reminders import done_by_resident

KIND_WORDS = {"licence_renewal": "your licence renewal", "payment_due": "your payment"}


def register_reminder_keywords(registry: KeywordRegistry, table: Any, agency_name: Callable[[], str]) -> None:
    store = RemindersTable(table)

    def on_done(text: InboundText, keyword: OtherKeyword) -> str | None:
        if keyword.rest:
            return None  # "done with this, who do I call?": a message for staff
        stopped = done_by_resident(store, text.address, text.received_at)
        if not stopped:
            return None  # no reminders running: staff read it like any message
        about = ", ".join(
            sorted({KIND_WORDS.get(s["kind"], str(s["kind"]).replace("_", " ")) for s in stopped})
        )
        return f"{agency_name()}: Thank you. We will not remind you about {about} again."

    registry.register("DONE", on_done)
