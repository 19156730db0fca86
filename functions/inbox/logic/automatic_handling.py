"""Automation stays out of staff's way (issue 16, item 5): a step of the inbound pipeline run on every text,
claimed or not, just before routing (which then gives an agent only a conversation staff are needed in).

A text a keyword flow claimed and answered (JOIN, YES, a ZIP code, STOP, START, HELP, CALLBACK, DONE...) needs
nobody: when every text of a conversation was such a text and nobody owns it, the conversation is "handled
automatically" (status `automatic`): not unread, not waiting, in no staff view or count, listed by the
"Handled automatically" filter and found by search, its texts and answers in the timeline. In a conversation
staff are part of, such a text does not make the resident wait either (an alert-reply group's "still waiting"
ends with a STOP). Any other text (a question, or a keyword the flow left for staff, e.g. "CALLBACK me after
lunch") marks the thread as one with texts for staff, and the store step already made it open and waiting.

Idempotent: a redelivered message settles the thread the same way.
"""

from __future__ import annotations

from typing import Protocol

from switchboard.observability import logger

from inbox.pipeline import CONTINUE, InboundMessage, StepContract, StepResult

AUTOMATIC_HANDLING = StepContract(
    name="automatic_handling",
    order=680,
    reads=("thread", "claim"),
    writes=("thread_status", "unread", "waiting_since"),
    skip_when_claimed=False,
)


class AutomaticThreads(Protocol):
    def settle_automatic(self, thread_id: str, at: str) -> str | None: ...

    def mark_for_staff(self, thread_id: str, at: str) -> None: ...


class AutomaticHandlingStep:
    """`keyword_flows`: the steps whose answer is the whole of what a resident asked for (the assembly names
    them: the consent keywords, the sign-up's YES, CALLBACK, DONE); a claim by any other step (a multi-turn
    intake, say) leaves the conversation to staff as before."""

    contract = AUTOMATIC_HANDLING

    def __init__(self, store: AutomaticThreads, keyword_flows: frozenset[str]) -> None:
        self._store = store
        self._keyword_flows = keyword_flows

    def run(self, message: InboundMessage) -> StepResult:
        thread_id = message.thread_id
        if thread_id is None:
            return CONTINUE
        if message.claimed_by in self._keyword_flows and message.answered:
            outcome = self._store.settle_automatic(thread_id, message.received_at)
            logger.info(
                "Text answered automatically",
                extra={"thread_id": thread_id, "by": message.claimed_by, "outcome": outcome},
            )
            return StepResult(fact=outcome)
        self._store.mark_for_staff(thread_id, message.received_at)
        return CONTINUE
