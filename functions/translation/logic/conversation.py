"""Two-way translation in a conversation: what staff read of a resident's message, what a resident receives of
an agent's reply, and the rules around both.

- A translation is kept *beside* a message, never instead of it; the original is what was received or
  written, and stays one click away on the page and in the transcript export.
- Texts under `SHORT_TEXT_CHARS` ("sí", "ok", "5") are not translated.
- The thread's language: the stored one wins (a staff override above all); detection (offline) only when none
  is stored, and what it finds is kept.
- Translation can be off, capped per month, throttled or failing. Then the original is delivered as it is,
  the record says "not translated" and why, and the next view of the thread tries again (at most
  `RETRIES_PER_VIEW` messages a view, `MAX_ATTEMPTS` provider calls a message). Nothing waits for it:
  the message was stored and queued before this runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit
from switchboard.observability import logger, metrics
from switchboard.segments import count_segments
from switchboard.translation import (
    Translation,
    TranslationUnavailable,
    Translator,
    billable_chars,
    detect,
    is_short,
)

from translation.models.translation import (
    Direction,
    MessageTranslation,
    ReplyPreview,
    Segments,
    ThreadTranslations,
    TranslationSettings,
)

MAX_ATTEMPTS = 5  # provider calls per message (throttled or failed); off and cap are retried without a call
RETRIES_PER_VIEW = 5


class ThreadNotFound(LookupError):
    pass


class TranslationStore(Protocol):
    def settings(self) -> TranslationSettings: ...

    def reserve(self, month: str, characters: int, cap: int) -> bool: ...

    def release(self, month: str, characters: int) -> None: ...

    def thread_language(self, thread_id: str) -> tuple[str | None, str | None] | None: ...

    def keep_detected_language(self, thread_id: str, language: str) -> None: ...

    def put_translation(self, thread_id: str, message_sk: str, record: MessageTranslation) -> None: ...

    def get_translation(self, thread_id: str, message_sk: str) -> MessageTranslation | None: ...

    def thread_translations(self, thread_id: str) -> list[tuple[str, MessageTranslation]]: ...


def current_month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


class MeteredTranslator:
    """A Translator behind the agency's settings: off switch, and a monthly character cap counted in the table
    before each call (given back when the call brings nothing back)."""

    def __init__(
        self, translator: Translator, store: TranslationStore, month: Callable[[], str] = current_month
    ) -> None:
        self._translator = translator
        self._store = store
        self._month = month

    def translate(
        self, text: str, source: str | None, target: str, settings: TranslationSettings
    ) -> Translation:
        if not settings.enabled:
            raise TranslationUnavailable("turned_off")
        characters, month = billable_chars(text), self._month()
        if not self._store.reserve(month, characters, settings.monthly_char_cap):
            metrics.add_metric(name="TranslationCapReached", unit=MetricUnit.Count, value=1)
            raise TranslationUnavailable("cap_reached")
        try:
            translation = self._translator.translate(text, source, target)
        except TranslationUnavailable as unavailable:
            self._store.release(month, characters)
            metrics.add_metric(
                name=f"TranslationUnavailable_{unavailable.reason}", unit=MetricUnit.Count, value=1
            )
            raise
        metrics.add_metric(name="TranslatedCharacters", unit=MetricUnit.Count, value=characters)
        return translation


def _attempt(
    metered: MeteredTranslator,
    settings: TranslationSettings,
    *,
    message_id: str,
    direction: Direction,
    original: str,
    source: str | None,
    target: str,
    attempts: int,
    now: str,
) -> MessageTranslation:
    try:
        done = metered.translate(original, source, target, settings)
    except TranslationUnavailable as unavailable:
        called = unavailable.reason in {"throttled", "failed"}
        return MessageTranslation(
            message_id=message_id,
            direction=direction,
            status="not_translated",
            original=original,
            original_language=source,
            language=target,
            reason=unavailable.reason,
            attempts=attempts + (1 if called else 0),
            updated_at=now,
        )
    return MessageTranslation(
        message_id=message_id,
        direction=direction,
        status="translated",
        original=original,
        original_language=done.source if done.source != "und" else source,
        text=done.text,
        language=target,
        provider=done.provider,
        stand_in=done.marked_stand_in,
        attempts=attempts + 1,
        updated_at=now,
    )


def thread_language(store: TranslationStore, thread_id: str, text: str | None = None) -> str | None:
    """The stored language, else what `text` reads as (kept for the thread from then on), else None."""
    found = store.thread_language(thread_id)
    if found is None:
        raise ThreadNotFound(thread_id)
    stored, _set_by = found
    if stored or not text:
        return stored
    detected = detect(text)
    if detected:
        store.keep_detected_language(thread_id, detected)
    return detected


def translate_inbound(
    store: TranslationStore,
    metered: MeteredTranslator,
    *,
    thread_id: str,
    message_sk: str,
    message_id: str,
    body: str,
    now: str,
) -> MessageTranslation | None:
    """Keep a translation of a resident's message into the agents' language; None when none is called for."""
    if not body.strip() or is_short(body):
        return None
    settings = store.settings()
    language = thread_language(store, thread_id, body)
    if language is None or language == settings.agent_language:
        return None
    existing = store.get_translation(thread_id, message_sk)
    if existing is not None and existing.status == "translated":
        return existing  # a redelivered message: translated once is enough
    record = _attempt(
        metered,
        settings,
        message_id=message_id,
        direction="in",
        original=body,
        source=language,
        target=settings.agent_language,
        attempts=existing.attempts if existing else 0,
        now=now,
    )
    store.put_translation(thread_id, message_sk, record)
    logger.info(
        "Inbound message translation kept",
        extra={
            "thread_id": thread_id,
            "message_id": message_id,
            "status": record.status,
            "reason": record.reason,
            "pair": f"{language}-{settings.agent_language}",
        },
    )
    return record


def _due_again(record: MessageTranslation) -> bool:
    if record.status != "not_translated" or record.direction != "in":
        return False
    return record.attempts < MAX_ATTEMPTS


def translations_of_thread(
    store: TranslationStore, metered: MeteredTranslator, thread_id: str, now: str
) -> ThreadTranslations:
    """Every kept translation of a thread; the ones not translated yet are tried again first."""
    found = store.thread_language(thread_id)
    if found is None:
        raise ThreadNotFound(thread_id)
    language, set_by = found
    settings = store.settings()
    records = store.thread_translations(thread_id)
    retried = 0
    for index, (message_sk, record) in enumerate(records):
        if retried >= RETRIES_PER_VIEW or not _due_again(record):
            continue
        retried += 1
        again = _attempt(
            metered,
            settings,
            message_id=record.message_id,
            direction="in",
            original=record.original,
            source=record.original_language,
            target=settings.agent_language,
            attempts=record.attempts,
            now=now,
        )
        store.put_translation(thread_id, message_sk, again)
        records[index] = (message_sk, again)
    if retried:
        logger.info("Translations retried on view", extra={"thread_id": thread_id, "retried": retried})
    return ThreadTranslations(
        thread_id=thread_id,
        language=language,
        language_set_by="staff" if set_by == "staff" else ("detected" if language else None),
        agent_language=settings.agent_language,
        enabled=settings.enabled,
        translations=[record for _sk, record in records],
    )


def segments_of(text: str) -> Segments:
    count = count_segments(text)
    return Segments(
        encoding=count.encoding,
        segments=count.segments,
        characters=count.characters,
        forced_by=list(count.forced_by),
    )


def preview_reply(
    store: TranslationStore, metered: MeteredTranslator, thread_id: str, body: str
) -> ReplyPreview:
    """What the resident would receive of `body`: their language, or the text as written when it is the
    agents' language or unknown. Nothing is sent here."""
    settings = store.settings()
    language = thread_language(store, thread_id)
    base = {
        "language": language,
        "agent_language": settings.agent_language,
        "original_segments": segments_of(body),
    }
    if language is None or language == settings.agent_language:
        return ReplyPreview(status="not_needed", **base)
    try:
        done = metered.translate(body, settings.agent_language, language, settings)
    except TranslationUnavailable as unavailable:
        return ReplyPreview(status="not_translated", reason=unavailable.reason, **base)
    return ReplyPreview(
        status="translated",
        translation=done.text,
        provider=done.provider,
        stand_in=done.marked_stand_in,
        translation_segments=segments_of(done.text),
        **base,
    )


def outbound_record(
    *,
    message_id: str,
    body: str,
    translation: str,
    language: str,
    agent_language: str,
    provider: str,
    stand_in: bool,
    now: str,
) -> MessageTranslation:
    """Both versions of a reply sent in the resident's language: what the agent wrote and what went out."""
    return MessageTranslation(
        message_id=message_id,
        direction="out",
        status="translated",
        original=body,
        original_language=agent_language,
        text=translation,
        language=language,
        provider=provider,
        stand_in=stand_in,
        attempts=1,
        updated_at=now,
    )
