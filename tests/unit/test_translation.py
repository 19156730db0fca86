"""Two-way translation rules (issue 20), on an in-memory store and a scripted translator: short texts, the
thread's language, the monthly cap, the off switch, failures and throttling marked and retried, the preview's
segment counts, and how Amazon Translate's errors are read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError
from switchboard.translation import (
    AmazonTranslate,
    Translation,
    TranslationUnavailable,
    base_language,
    detect,
    is_short,
)
from translation.logic.conversation import (
    MAX_ATTEMPTS,
    MeteredTranslator,
    ThreadNotFound,
    preview_reply,
    translate_inbound,
    translations_of_thread,
)
from translation.models.translation import MessageTranslation, TranslationSettings

SPANISH = "Hola, no tengo agua en mi casa desde ayer"
TRASH_ES = "La basura de mi calle no se ha recogido"
NOW = "2026-12-07T12:00:00.000000Z"


class MemoryStore:
    def __init__(self, language: str | None = None, settings: TranslationSettings | None = None) -> None:
        self.threads: dict[str, dict[str, str | None]] = {"t1": {"language": language, "set_by": None}}
        if language:
            self.threads["t1"]["set_by"] = "detected"
        self.config = settings or TranslationSettings()
        self.used: dict[str, int] = {}
        self.records: dict[tuple[str, str], MessageTranslation] = {}

    def settings(self) -> TranslationSettings:
        return self.config

    def reserve(self, month: str, characters: int, cap: int) -> bool:
        if self.used.get(month, 0) + characters > cap:
            return False
        self.used[month] = self.used.get(month, 0) + characters
        return True

    def release(self, month: str, characters: int) -> None:
        self.used[month] -= characters

    def thread_language(self, thread_id: str) -> tuple[str | None, str | None] | None:
        thread = self.threads.get(thread_id)
        return None if thread is None else (thread["language"], thread["set_by"])

    def keep_detected_language(self, thread_id: str, language: str) -> None:
        if not self.threads[thread_id]["language"]:
            self.threads[thread_id].update(language=language, set_by="detected")

    def put_translation(self, thread_id: str, message_sk: str, record: MessageTranslation) -> None:
        self.records[(thread_id, message_sk)] = record

    def get_translation(self, thread_id: str, message_sk: str) -> MessageTranslation | None:
        return self.records.get((thread_id, message_sk))

    def thread_translations(self, thread_id: str) -> list[tuple[str, MessageTranslation]]:
        return sorted((sk, r) for (t, sk), r in self.records.items() if t == thread_id)


class ScriptedTranslator:
    """Answers "<target>: <text>", or raises the next scripted reason."""

    def __init__(self, *failures: str) -> None:
        self.failures = list(failures)
        self.calls: list[tuple[str, str | None, str]] = []

    def translate(self, text: str, source: str | None, target: str) -> Translation:
        self.calls.append((text, source, target))
        if self.failures:
            raise TranslationUnavailable(self.failures.pop(0))  # type: ignore[arg-type]
        return Translation(
            text=f"{target}: {text}", source=source or "es", target=target, provider="scripted"
        )


def inbound(
    store: MemoryStore, translator: ScriptedTranslator, body: str = SPANISH, sk: str = "MSG#1#m1"
) -> Any:
    metered = MeteredTranslator(translator, store, month=lambda: "2026-12")
    return translate_inbound(
        store, metered, thread_id="t1", message_sk=sk, message_id=sk.rsplit("#", 1)[-1], body=body, now=NOW
    )


def test_a_spanish_message_is_kept_translated_beside_the_original() -> None:
    store, translator = MemoryStore("es"), ScriptedTranslator()
    record = inbound(store, translator)
    assert record.status == "translated" and record.original == SPANISH and record.text == f"en: {SPANISH}"
    assert (record.original_language, record.language, record.direction) == ("es", "en", "in")
    assert translator.calls == [(SPANISH, "es", "en")]
    assert store.used == {"2026-12": len(SPANISH)}


@pytest.mark.parametrize("body", ["sí", "ok", "5", "Gracias!!", "  no puedo ir hoy  ", "x" * 19])
def test_short_texts_are_not_translated(body: str) -> None:
    store, translator = MemoryStore("es"), ScriptedTranslator()
    assert inbound(store, translator, body) is None
    assert translator.calls == [] and store.records == {}


def test_the_short_text_rule_is_under_twenty_characters() -> None:
    assert is_short("x" * 19) and not is_short("x" * 20) and is_short("   sí   ")


def test_a_message_in_the_agents_language_is_not_translated() -> None:
    store, translator = MemoryStore("en"), ScriptedTranslator()
    assert inbound(store, translator, "Hello, there is no water at my house since yesterday") is None
    assert translator.calls == []


def test_the_stored_language_wins_over_detection() -> None:
    # Given a thread staff set to Vietnamese, When a message reads as Spanish, Then it is read as Vietnamese.
    store, translator = MemoryStore("vi"), ScriptedTranslator()
    store.threads["t1"]["set_by"] = "staff"
    inbound(store, translator)
    assert translator.calls == [(SPANISH, "vi", "en")]
    assert store.threads["t1"] == {"language": "vi", "set_by": "staff"}


def test_an_unknown_language_is_detected_once_and_kept() -> None:
    store, translator = MemoryStore(None), ScriptedTranslator()
    inbound(store, translator)
    assert store.threads["t1"] == {"language": "es", "set_by": "detected"}
    # The next message is read in the kept language, whatever it looks like.
    inbound(store, translator, "Hello, there is no water at my house since yesterday", sk="MSG#2#m2")
    assert translator.calls[-1][1:] == ("es", "en")


def test_an_unknown_thread_is_refused() -> None:
    store = MemoryStore("es")
    metered = MeteredTranslator(ScriptedTranslator(), store)
    with pytest.raises(ThreadNotFound):
        translate_inbound(
            store, metered, thread_id="nope", message_sk="s", message_id="m", body=SPANISH, now=NOW
        )


def test_the_off_switch_marks_the_message_and_calls_nothing() -> None:
    store, translator = MemoryStore("es", TranslationSettings(enabled=False)), ScriptedTranslator()
    record = inbound(store, translator)
    assert (record.status, record.reason, record.attempts) == ("not_translated", "turned_off", 0)
    assert translator.calls == [] and store.used == {}


def test_the_monthly_cap_stops_translation_and_counts_nothing_more() -> None:
    cap = len(SPANISH) + 10
    store, translator = MemoryStore("es", TranslationSettings(monthly_char_cap=cap)), ScriptedTranslator()
    assert inbound(store, translator).status == "translated"
    second = inbound(store, translator, sk="MSG#2#m2")
    assert (second.status, second.reason) == ("not_translated", "cap_reached")
    assert len(translator.calls) == 1 and store.used["2026-12"] == len(SPANISH)


@pytest.mark.parametrize("reason", ["throttled", "failed"])
def test_a_throttled_or_failed_translation_is_marked_given_back_and_retried_on_view(reason: str) -> None:
    store, translator = MemoryStore("es"), ScriptedTranslator(reason)
    record = inbound(store, translator)
    assert (record.status, record.reason, record.attempts, record.text) == ("not_translated", reason, 1, None)
    assert store.used == {"2026-12": 0}  # a call that brought nothing back is not counted
    # When an agent opens the thread, Then it is tried again and kept translated.
    view = translations_of_thread(store, MeteredTranslator(translator, store, lambda: "2026-12"), "t1", NOW)
    assert [(t.status, t.attempts, t.text) for t in view.translations] == [
        ("translated", 2, f"en: {SPANISH}")
    ]
    assert store.records[("t1", "MSG#1#m1")].status == "translated"


def test_retries_stop_after_max_attempts() -> None:
    store = MemoryStore("es")
    translator = ScriptedTranslator(*["failed"] * (MAX_ATTEMPTS + 3))
    inbound(store, translator)
    metered = MeteredTranslator(translator, store, lambda: "2026-12")
    for _ in range(MAX_ATTEMPTS + 2):
        translations_of_thread(store, metered, "t1", NOW)
    assert len(translator.calls) == MAX_ATTEMPTS
    assert store.records[("t1", "MSG#1#m1")].attempts == MAX_ATTEMPTS


def test_a_redelivered_message_is_not_translated_twice() -> None:
    store, translator = MemoryStore("es"), ScriptedTranslator()
    inbound(store, translator)
    inbound(store, translator)
    assert len(translator.calls) == 1


def test_the_preview_shows_the_residents_version_and_its_segments() -> None:
    class Spanish(ScriptedTranslator):
        def translate(self, text: str, source: str | None, target: str) -> Translation:
            self.calls.append((text, source, target))
            return Translation(
                text="Enviaremos un equipo mañana; está programado.",
                source="en",
                target="es",
                provider="scripted",
            )

    store, translator = MemoryStore("es"), Spanish()
    preview = preview_reply(
        store, MeteredTranslator(translator, store), "t1", "We will send a crew tomorrow."
    )
    assert preview.status == "translated" and preview.language == "es"
    assert translator.calls == [("We will send a crew tomorrow.", "en", "es")]
    assert preview.original_segments.encoding == "GSM-7"
    # "á" is outside GSM-7 ("ñ" is in it): the whole text goes as UCS-2, and the preview says which character.
    assert preview.translation_segments is not None
    assert preview.translation_segments.encoding == "UCS-2" and preview.translation_segments.forced_by == [
        "á"
    ]


def test_the_preview_is_not_needed_in_the_agents_language_and_says_when_translation_failed() -> None:
    assert (
        preview_reply(
            MemoryStore("en"), MeteredTranslator(ScriptedTranslator(), MemoryStore()), "t1", "Hello there"
        ).status
        == "not_needed"
    )
    store = MemoryStore("es")
    failed = preview_reply(
        store, MeteredTranslator(ScriptedTranslator("throttled"), store), "t1", "Hello there"
    )
    assert (failed.status, failed.reason, failed.translation) == ("not_translated", "throttled", None)


# --- the shared layer: detection and Amazon Translate's answers ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (SPANISH, "es"),
        ("Hello, there is no water at my house since yesterday", "en"),
        ("Tôi không có nước ở nhà từ hôm qua", "vi"),
        ("我家从昨天开始没有水了", "zh"),
        ("sí", None),
        ("ok", None),
    ],
)
def test_detection_is_offline_and_unsure_of_short_texts(text: str, language: str | None) -> None:
    assert detect(text) == language


def test_base_language() -> None:
    assert (base_language("es-MX"), base_language("ZH_tw"), base_language(""), base_language("1!")) == (
        "es",
        "zh",
        None,
        None,
    )


class FakeTranslateClient:
    def __init__(self, error: Exception | None = None, headers: dict[str, str] | None = None) -> None:
        self.error, self.headers = error, headers or {}

    def translate_text(self, **request: str) -> dict[str, Any]:
        if self.error:
            raise self.error
        return {
            "TranslatedText": "hola",
            "SourceLanguageCode": "en",
            "TargetLanguageCode": request["TargetLanguageCode"],
            "ResponseMetadata": {"HTTPHeaders": self.headers},
        }


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "TranslateText"
    )


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (client_error("ThrottlingException", 429), "throttled"),
        (client_error("ServiceUnavailableException", 503), "throttled"),
        (client_error("InternalServerException", 500), "failed"),
        (client_error("UnsupportedLanguagePairException", 400), "failed"),
        (ConnectTimeoutError(endpoint_url="http://127.0.0.1:9"), "failed"),
    ],
)
def test_amazon_translate_errors_become_unavailable_with_a_reason(error: Exception, reason: str) -> None:
    with pytest.raises(TranslationUnavailable) as raised:
        AmazonTranslate(FakeTranslateClient(error)).translate("hello there", "en", "es")
    assert raised.value.reason == reason


def test_amazon_translate_reads_a_stand_in_from_its_header_only() -> None:
    real = AmazonTranslate(FakeTranslateClient()).translate("hello there", None, "es")
    assert (real.provider, real.marked_stand_in, real.source) == ("amazon-translate", False, "en")
    local = AmazonTranslate(FakeTranslateClient(headers={"x-switchboard-stand-in": "1"})).translate(
        "hi", "en", "es"
    )
    assert (local.provider, local.marked_stand_in) == ("stand-in", True)


def test_a_text_over_translates_limit_is_refused_before_any_call() -> None:
    client = FakeTranslateClient(error=AssertionError("no call expected"))
    with pytest.raises(TranslationUnavailable) as raised:
        AmazonTranslate(client).translate("é" * 6000, "es", "en")
    assert raised.value.reason == "too_long"


# --- the transcript export (public records) --------------------------------------------------------


def test_a_transcript_carries_originals_and_translations_side_by_side() -> None:
    from inbox.logic.transcripts import export_thread
    from translation.logic.transcript import TranscriptTranslations

    store = MemoryStore("es")
    inbound(store, ScriptedTranslator(), sk="MSG#2026-12-07T10:00:00.000000Z#m1")
    inbound(store, ScriptedTranslator("throttled"), TRASH_ES, sk="MSG#2026-12-07T10:01:00.000000Z#m2")
    store.records[("t1", "MSG#2026-12-07T10:02:00.000000Z#m3")] = MessageTranslation(
        message_id="m3",
        direction="out",
        status="translated",
        original="We will send a crew today",
        original_language="en",
        text="[stand-in en→es] Nosotros vamos a enviar un equipo hoy",
        language="es",
        provider="stand-in",
        stand_in=True,
        attempts=1,
        updated_at=NOW,
    )

    class Messages:
        def get_thread(self, thread_id: str) -> dict[str, Any]:
            return {"thread_id": thread_id, "resident": {"address": "+15555550123"}, "channel": "sms"}

        def transcript_items(self, thread_id: str, start: str, end: str) -> list[dict[str, Any]]:
            rows = [
                ("m1", "in", SPANISH),
                ("m2", "in", TRASH_ES),
                ("m3", "out", "[stand-in en→es] Nosotros…"),
            ]
            items = [
                {
                    "sk": f"MSG#2026-12-07T10:0{i}:00.000000Z#{mid}",
                    "message_id": mid,
                    "direction": d,
                    "body": b,
                    "created_at": f"2026-12-07T10:0{i}:00.000000Z",
                }
                for i, (mid, d, b) in enumerate(rows)
            ]
            return [
                *items,
                {
                    "sk": "NOTE#2026-12-07T10:05:00.000000Z#n",
                    "body": "called back",
                    "created_at": "2026-12-07T10:05:00.000000Z",
                },
            ]

        def threads_active_since(self, since: str, limit: int) -> list[dict[str, Any]]:
            return []

    from datetime import UTC, datetime

    transcript = export_thread(
        Messages(), "t1", "json", datetime(2026, 12, 7, tzinfo=UTC), TranscriptTranslations(store)
    )
    rows = json.loads(transcript.body)["rows"]
    columns = ("body", "body_language", "translation_text", "translation_language", "translation_note")
    got = [tuple(row[c] for c in columns) for row in rows]
    assert got[0] == (
        SPANISH,
        "es",
        f"en: {SPANISH}",
        "en",
        "body is what the resident wrote; translation_text is its scripted translation",
    )
    assert got[1] == (TRASH_ES, "es", "", "en", "not translated (throttled)")
    assert got[2][1:4] == ("es", "We will send a crew today", "en")
    assert "agent wrote" in got[2][4] and "stand-in" in got[2][4]
    assert got[3][1:] == ("", "", "", "")  # an internal note has no translation columns
