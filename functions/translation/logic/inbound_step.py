"""The inbound pipeline's translation step: a resident's message in a language other than the agents' gets a
translation kept beside it, for the agent page.

It runs after the keyword steps (keywords are judged on the original text, never on a translation), after
routing (which stores the language it detects on a new thread: a stored language wins), never claims, and is
skipped for a message a keyword step answered. It never delays or blocks the message: the message was stored
by the first step, and a translation that fails is marked "not translated" and tried again on the next view.
"""

from __future__ import annotations

from collections.abc import Callable

from inbox.pipeline import CONTINUE, InboundMessage, StepContract, StepResult
from switchboard.clock import utc_now_iso
from switchboard.observability import logger

from translation.dal.translation_table import TranslationTable, message_id_of
from translation.logic.conversation import MeteredTranslator, translate_inbound

TRANSLATION = StepContract(
    name="translation",
    order=750,
    reads=("message.body", "thread.language", "translation.settings"),
    writes=("translation.message", "thread.language", "translation.usage"),
    may_claim=False,
    skip_when_claimed=True,
)


class TranslationStep:
    contract = TRANSLATION

    def __init__(
        self, store: TranslationTable, metered: MeteredTranslator, now: Callable[[], str] = utc_now_iso
    ) -> None:
        self._store = store
        self._metered = metered
        self._now = now

    def run(self, message: InboundMessage) -> StepResult:
        if not message.body.strip():
            return CONTINUE
        found = self._store.find_inbound_message(message.sid)
        if found is None:
            logger.warning("Translation found no stored message", extra={"message_sid": message.sid})
            return CONTINUE
        thread_id, message_sk = found
        record = translate_inbound(
            self._store,
            self._metered,
            thread_id=thread_id,
            message_sk=message_sk,
            message_id=message_id_of(message_sk),
            body=message.body,
            now=self._now(),
        )
        return StepResult(fact=record.status if record else None)
