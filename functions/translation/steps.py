"""What the application's assembly registers in the inbound pipeline (functions/app/pipelines/inbound.py),
in one line:

    yield from translation_steps(table)
"""

from __future__ import annotations

from typing import Any

from switchboard.translation import Translator, warm_detector

from translation.dal.translation_table import TranslationTable
from translation.integrations.amazon import amazon_translate
from translation.logic.conversation import MeteredTranslator
from translation.logic.inbound_step import TranslationStep


def translation_steps(table: Any, translator: Translator | None = None) -> list[TranslationStep]:
    store = TranslationTable(table)
    warm_detector()  # a thread whose language is not stored needs it; loading takes a moment
    return [TranslationStep(store, MeteredTranslator(translator or amazon_translate(), store))]
