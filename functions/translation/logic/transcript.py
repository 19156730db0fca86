"""What a transcript export (public records) carries of translations: for each translated message, the other
version beside its body and which one was the original (inbox.logic.transcripts' TRANSLATION_COLUMNS)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from translation.models.translation import MessageTranslation


class TranslationsOfThread(Protocol):
    def thread_translations(self, thread_id: str) -> list[tuple[str, MessageTranslation]]: ...


def transcript_columns(record: MessageTranslation) -> dict[str, str]:
    machine = (
        "stand-in (local, not a real translation)" if record.stand_in else (record.provider or "machine")
    )
    if record.status != "translated":
        return {
            "body_language": record.original_language or "",
            "translation_text": "",
            "translation_language": record.language,
            "translation_note": f"not translated ({record.reason or 'failed'})",
        }
    if record.direction == "in":
        return {
            "body_language": record.original_language or "",
            "translation_text": record.text or "",
            "translation_language": record.language,
            "translation_note": f"body is what the resident wrote; translation_text is its {machine} "
            "translation",
        }
    return {
        "body_language": record.language,
        "translation_text": record.original,
        "translation_language": record.original_language or "",
        "translation_note": f"translation_text is what the agent wrote; body is its {machine} translation, "
        "as sent",
    }


class TranscriptTranslations:
    """inbox.logic.transcripts.Annotations over the kept translations."""

    def __init__(self, store: TranslationsOfThread) -> None:
        self._store = store

    def __call__(self, thread_id: str) -> Mapping[str, Mapping[str, str]]:
        return {
            record.message_id: transcript_columns(record)
            for _sk, record in self._store.thread_translations(thread_id)
        }
