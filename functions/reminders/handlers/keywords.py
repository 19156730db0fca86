"""DONE by text: a resident who renewed or paid stops their reminders (an inbound pipeline step)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from inbox.pipeline import InboundText, KeywordStep, StepContract, SystemReplies
from switchboard.words import OtherKeyword

KIND_WORDS = {"licence_renewal": "your licence renewal", "payment_due": "your payment"}

REMINDER_KEYWORDS = StepContract(
    name="reminder_keywords",
    order=320,
    reads=("body", "address", "reminders"),
    writes=("reminders.state", "reminder_workflows", "system_reply"),
    may_claim=True,
)


def reminder_keyword_step(
    table: Any,
    agency_name: Callable[[], str],
    replies: SystemReplies,
    reserved: Collection[str] = (),
) -> KeywordStep:
    def on_done(text: InboundText, keyword: OtherKeyword) -> str | None:
        if keyword.rest:
            return None  # "done with this, who do I call?": a message for staff
        # Loaded on the first DONE, not when the inbound consumer starts (cold start).
        from reminders.dal.reminders_table import RemindersTable
        from reminders.logic.reminders import done_by_resident

        stopped = done_by_resident(RemindersTable(table), text.address, text.received_at)
        if not stopped:
            return None  # no reminders running: staff read it like any message
        about = ", ".join(
            sorted({KIND_WORDS.get(s["kind"], str(s["kind"]).replace("_", " ")) for s in stopped})
        )
        return f"{agency_name()}: Thank you. We will not remind you about {about} again."

    return KeywordStep(REMINDER_KEYWORDS, {"DONE": on_done}, replies, reserved=reserved)
