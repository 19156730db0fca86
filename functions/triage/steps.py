"""What the application's assembly registers in the inbound pipeline (functions/app/pipelines/inbound.py),
in one line:

    yield from triage_steps(table, replies)

`replies` sends a reply and records it in the thread (`ThreadReplies.send`, functions/inbox/integrations/
thread_replies.py); the crisis answer goes out through it like a keyword answer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from inbox.pipeline import SystemReplies

from triage.dal.triage_table import TriageTable
from triage.logic.inbound_step import CRISIS_WINDOW, RulesSource, TriageStep
from triage.logic.rules_store import TableRules


def triage_steps(
    table: Any,
    replies: SystemReplies,
    *,
    rules: RulesSource | None = None,
    crisis_window: timedelta = CRISIS_WINDOW,
) -> list[TriageStep]:
    store = TriageTable(table)
    # The rules an admin saved (re-read at most once a minute), else the shipped ones.
    return [TriageStep(store, replies, rules=rules or TableRules(store), crisis_window=crisis_window)]
