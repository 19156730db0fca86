"""What the application's assembly registers in the inbound pipeline (functions/app/pipelines/inbound.py),
in one line:

    yield from triage_steps(table, replies, oncall_texts=..., agency_name=...)

`replies` sends a reply and records it in the thread (`ThreadReplies.send`, functions/inbox/integrations/
thread_replies.py); the crisis answer goes out through it like a keyword answer. `oncall_texts`
(`ThreadReplies.send_first`) texts the agency's on-call number when a crisis is flagged, if one is set.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from inbox.pipeline import SystemReplies

from triage.dal.triage_table import TriageTable
from triage.logic.inbound_step import CRISIS_WINDOW, OnCallTexts, RulesSource, TriageStep
from triage.logic.rules_store import TableRules
from triage.logic.second_opinion import SecondOpinion


def triage_steps(
    table: Any,
    replies: SystemReplies,
    *,
    rules: RulesSource | None = None,
    crisis_window: timedelta = CRISIS_WINDOW,
    oncall_texts: OnCallTexts | None = None,
    agency_name: Callable[[], str] | None = None,
    second_opinion: SecondOpinion | None = None,
) -> list[TriageStep]:
    store = TriageTable(table)
    # The rules an admin saved (re-read at most once a minute), else the shipped ones.
    return [
        TriageStep(
            store,
            replies,
            rules=rules or TableRules(store),
            crisis_window=crisis_window,
            oncall_texts=oncall_texts,
            agency_name=agency_name,
            second_opinion=second_opinion,
        )
    ]
