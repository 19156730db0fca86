"""DONE by text: a resident who renewed or paid stops their reminders (an inbound pipeline step)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from inbox.pipeline import InboundText, KeywordStep, StepContract, SystemReplies
from switchboard import i18n
from switchboard.words import OtherKeyword


def _about(kind: str, lang: str) -> str:
    """What a reminder was about, in the resident's words ("your payment"); an agency's kind by its name."""
    key = f"reminders.about_{kind}"
    return i18n.say(key, lang) if i18n.has(key) else kind.replace("_", " ")


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
        lang = str(stopped[0].get("language") or i18n.DEFAULT)
        about = ", ".join(sorted({_about(str(s["kind"]), lang) for s in stopped}))
        return i18n.say("reminders.done", lang, agency=agency_name(), about=about)

    # DONE, LISTO, HECHO, XONG (catalogs' keywords.json); the answer is in the reminder's own language.
    return KeywordStep(
        REMINDER_KEYWORDS, dict.fromkeys(i18n.keyword_words("done"), on_done), replies, reserved=reserved
    )
