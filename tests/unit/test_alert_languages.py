"""The composer before sending (issue 20): how many subscribers of each language will get another language's
text, a machine translation offered as a draft for review (never sent from there), and the segments of the
translated text (Spanish accents that force UCS-2 named)."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from alerts.logic.audience import Subscriber, fallbacks, select_recipients
from alerts.logic.compose import Catalogue, machine_translation, preview
from alerts.models.alerts import (
    MachineTranslationUnavailable,
    PreviewRequest,
    TranslateRequest,
    UnknownLanguage,
)
from switchboard.translation import Translation, TranslationUnavailable

SUBSCRIBERS = [
    Subscriber("+1", ("zip:94110",), "es"),
    Subscriber("+2", ("zip:94110",), "es"),
    Subscriber("+3", ("zip:94110",), None),
    Subscriber("+4", ("zip:94110",), "vi"),
    Subscriber("+5", ("zip:94110",), "en"),
    Subscriber("+6", ("zip:94111",), "es"),
]
CATALOGUE = Catalogue(topics={"WATER": "Water service"}, zones={}, languages=["en", "es", "vi", "zh"])


class Store:
    def subscribers(self, topic: str) -> Iterable[Subscriber]:
        return SUBSCRIBERS if topic == "WATER" else []

    def zip_zones(self) -> list[str]:
        return ["94110", "94111"]


def fallback_counts(texts: dict[str, str], zones: list[str] | None = None) -> list[tuple[str, str, int]]:
    request = PreviewRequest(topics=["WATER"], zones=zones or [], texts=texts)
    return [(f.reads, f.gets, f.residents) for f in preview(Store(), CATALOGUE, request).fallbacks]  # type: ignore[arg-type]


def test_an_english_only_alert_warns_of_each_other_language_with_its_count() -> None:
    assert fallback_counts({"en": "Boil water before drinking."}) == [("es", "en", 3), ("vi", "en", 1)]


def test_the_warning_follows_the_zones_and_shrinks_as_texts_are_written() -> None:
    assert fallback_counts({"en": "Boil water."}, ["zip:94110"]) == [("es", "en", 2), ("vi", "en", 1)]
    assert fallback_counts({"en": "Boil water.", "es": "Hierva el agua."}) == [("vi", "en", 1)]
    assert fallback_counts({"en": "Boil water.", "es": "Hierva el agua.", "vi": "Đun sôi nước."}) == []


def test_a_blank_text_is_no_text_and_only_a_spanish_text_sends_english_readers_spanish() -> None:
    assert fallback_counts({"en": "Boil water.", "es": "   "}) == [("es", "en", 3), ("vi", "en", 1)]
    assert fallback_counts({"es": "Hierva el agua."}) == [("en", "es", 2), ("vi", "es", 1)]


def test_no_text_yet_warns_of_nothing() -> None:
    assert fallbacks(select_recipients([SUBSCRIBERS], []), []) == []


class Dictionary:
    """A translator that knows one sentence; what a person would review."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[tuple[str, str, str]] = []

    def translate(self, text: str, source: str | None, target: str) -> Translation:
        self.calls.append((text, str(source), target))
        if self.fail:
            raise TranslationUnavailable("throttled")
        known = {"Water is off on Elm St.": "Se cortó el agua en la calle Elm."}
        return Translation(known[text], str(source), target, provider="dictionary", marked_stand_in=True)


def test_a_translation_is_a_draft_with_its_segments_and_the_accents_that_force_ucs2() -> None:
    translator = Dictionary()
    draft = machine_translation(
        translator, CATALOGUE, TranslateRequest(text="Water is off on Elm St.", source="en", target="es")
    )
    assert (draft.language, draft.text, draft.machine) == ("es", "Se cortó el agua en la calle Elm.", True)
    assert (draft.provider, draft.stand_in) == ("dictionary", True)  # a stand-in's draft says it is one
    assert (draft.preview.encoding, draft.preview.segments) == ("UCS-2", 1)
    assert draft.preview.forced_by == ["ó"]  # é, ñ and ü are GSM-7; ó is not
    assert translator.calls == [("Water is off on Elm St.", "en", "es")]


def test_translation_unavailable_or_not_set_up_is_a_503_for_the_composer_and_nothing_else() -> None:
    request = TranslateRequest(text="Water is off on Elm St.", source="en", target="es")
    for translator in (Dictionary(fail=True), None):
        with pytest.raises(MachineTranslationUnavailable) as refused:
            machine_translation(translator, CATALOGUE, request)
        assert refused.value.status_code == 503 and refused.value.code == "translation_unavailable"


def test_a_language_the_agency_does_not_offer_is_refused_before_any_translation() -> None:
    translator = Dictionary()
    with pytest.raises(UnknownLanguage):
        machine_translation(translator, CATALOGUE, TranslateRequest(text="x", source="en", target="ko"))
    assert translator.calls == []
