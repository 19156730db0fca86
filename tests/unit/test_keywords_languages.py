"""Consent keywords in every language of the catalogs (issue 20): each word in catalogs/<lang>/keywords.json
means what its English counterpart means, in any case and with or without accents, is recorded in the consent
ledger like the English ones, and is answered in its own language; the carriers' English words keep working
for everyone."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from inbox.models.consent import Topic
from subscriptions.logic import keywords
from subscriptions.logic.inbound_keywords import RESERVED_WORDS
from subscriptions.logic.keywords import (
    ALL,
    COMMAND_KINDS,
    Help,
    Join,
    KeywordClash,
    OptIn,
    OptOut,
    parse_command,
    vocabulary,
)
from switchboard import i18n

from tests.unit.fakes import InMemoryConsent
from tests.unit.test_consent_keywords import AGENCY, Resident

TOPICS = (
    Topic("WATER", "Water service", (("es", "AGUA", "servicio de agua"), ("vi", "NUOC", "dịch vụ nước"))),
    Topic("STORM", "Storm warnings", (("es", "TORMENTA", "avisos de tormenta"),)),
)
CODES = {"WATER", "STORM"}
ALIASES = {"AGUA": "WATER", "TORMENTA": "STORM", "NUOC": "WATER"}
MEANS = {"stop": OptOut, "start": OptIn, "help": Help, "join": Join}


def every_keyword() -> list[tuple[str, str, str]]:
    """(language, kind, phrase as written in the catalog) for every command phrase of every language."""
    found = []
    for lang in i18n.languages():
        for kind in COMMAND_KINDS:
            for phrase in i18n.catalog(lang)[f"keywords.{kind}"].split(","):
                found.append((lang, kind, phrase.strip()))
    return found


def test_spanish_has_the_words_the_issue_names() -> None:
    for word, kind in [("ALTO", "stop"), ("PARAR", "stop"), ("CANCELAR", "stop"), ("BAJA", "stop")]:
        assert vocabulary().commands[(word,)] == (kind, "es")
    assert vocabulary().commands[("FIN",)] == ("stop", "es")
    assert vocabulary().commands[("ALTA",)] == ("start", "es")
    assert vocabulary().commands[("INICIO",)] == ("start", "es")
    assert vocabulary().commands[("AYUDA",)] == ("help", "es")
    assert vocabulary().confirm[("SI",)] == "es"


@pytest.mark.parametrize(("lang", "kind", "phrase"), every_keyword())
def test_every_keyword_alone_means_its_kind_in_its_language(lang: str, kind: str, phrase: str) -> None:
    for written in (phrase, phrase.lower(), f"  {phrase.title()}!! "):
        command = parse_command(written, CODES, ALIASES)
        assert command == MEANS[kind](lang=lang), written


@pytest.mark.parametrize(("lang", "kind", "phrase"), [k for k in every_keyword() if k[1] != "help"])
def test_every_keyword_with_a_topic_word_of_any_language(lang: str, kind: str, phrase: str) -> None:
    for topic in ("WATER", "agua", "Nước"):
        command = parse_command(f"{phrase} {topic}", CODES, ALIASES)
        assert command == MEANS[kind]("WATER", lang=lang), f"{phrase} {topic}"


@given(
    word=st.sampled_from(["alto", "parar", "cancelar", "baja", "fin", "detener"]),
    accents=st.booleans(),
    upper=st.lists(st.booleans(), min_size=8, max_size=8),
)
def test_spanish_stop_words_in_any_case_with_stray_accents(
    word: str, accents: bool, upper: list[bool]
) -> None:
    if accents:
        word = word.replace("a", "á").replace("e", "é").replace("o", "ó")
    written = "".join(ch.upper() if up else ch for ch, up in zip(word, upper + [False] * 8, strict=False))
    assert parse_command(written, CODES, ALIASES) == OptOut(lang="es")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ALTA AGUA", OptIn("WATER", "es")),
        ("alta tormenta", OptIn("STORM", "es")),
        ("unirme todos", Join(ALL, lang="es")),
        ("ALTA TODOS", OptIn(lang="es")),
        ("bắt đầu tất cả", OptIn(lang="vi")),
        ("UNIRME LLUVIA", Join(unknown="LLUVIA", lang="es")),
        ("Alto todo", OptOut(lang="es")),
        ("alto, por favor", OptOut(lang="es")),
        ("Por favor alto", OptOut(lang="es")),
        ("dừng tất cả", OptOut(lang="vi")),
        ("Đăng ký nước", Join("WATER", lang="vi")),
        ("STOP AGUA", OptOut("WATER", "en")),
        ("ALTO WATER", OptOut("WATER", "es")),
    ],
)
def test_spanish_and_vietnamese_commands_with_their_topics(text: str, expected: object) -> None:
    assert parse_command(text, CODES, ALIASES) == expected


@pytest.mark.parametrize(
    "text",
    ["alto el fuego en la calle", "ayuda con mi factura", "alta presión", "fin de semana", "por favor"],
)
def test_a_sentence_that_only_mentions_a_keyword_is_for_staff(text: str) -> None:
    assert parse_command(text, CODES, ALIASES) is None


def test_no_word_means_two_things_and_every_first_word_is_reserved() -> None:
    for phrase in vocabulary().commands:
        assert phrase[0] in RESERVED_WORDS
    assert not set(vocabulary().commands) & set(vocabulary().confirm)
    assert {"STOP", "ALTO", "AYUDA", "DUNG", "POR"} <= RESERVED_WORDS


def test_a_catalog_giving_one_word_two_meanings_is_refused(tmp_path, monkeypatch) -> None:
    for lang, body in (("en", {"stop": "STOP", "start": "START"}), ("xx", {"stop": "START"})):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "keywords.json").write_text(json.dumps(body), encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGS", tmp_path)
    for cached in (i18n.languages, i18n.catalog, keywords.vocabulary):
        cached.cache_clear()
    try:
        with pytest.raises(KeywordClash, match="START"):
            keywords.vocabulary()
    finally:
        monkeypatch.undo()
        for cached in (i18n.languages, i18n.catalog, keywords.vocabulary):
            cached.cache_clear()


def test_one_word_in_two_languages_with_one_meaning_belongs_to_the_first(tmp_path, monkeypatch) -> None:
    for lang, body in (("en", {"stop": "STOP"}), ("xx", {"stop": "STOP, ALTO"})):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "keywords.json").write_text(json.dumps(body), encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGS", tmp_path)
    for cached in (i18n.languages, i18n.catalog, keywords.vocabulary):
        cached.cache_clear()
    try:
        loaded = keywords.vocabulary()
        assert loaded.commands[("STOP",)] == ("stop", "en") and loaded.commands[("ALTO",)] == ("stop", "xx")
    finally:
        monkeypatch.undo()
        for cached in (i18n.languages, i18n.catalog, keywords.vocabulary):
            cached.cache_clear()


def spanish_resident() -> Resident:
    return Resident(InMemoryConsent(TOPICS))


def test_alto_is_recorded_like_stop_and_answered_in_spanish() -> None:
    resident = spanish_resident()
    assert resident.texts("Alto") == "opt_out"
    [entry] = resident.consent.ledger.values()
    assert (entry.topic, entry.action, entry.source) == ("ALL", "opt_out", "keyword")
    assert resident.state.opted_out_all and resident.state.language == "es"
    assert resident.last_reply() == (
        f"{AGENCY}: Se ha dado de baja y no recibirá más mensajes nuestros. "
        "Responda ALTA para volver a suscribirse."
    )


def test_alta_agua_subscribes_to_water_in_spanish_and_asks_for_the_place_in_spanish() -> None:
    resident = spanish_resident()
    assert resident.texts("ALTA AGUA") == "join"
    assert resident.state.topics == {"WATER"} and resident.state.language == "es"
    assert resident.last_reply().startswith(f"{AGENCY}: Está suscrito a las alertas de servicio de agua.")
    assert resident.texts("94110") == "zone"
    assert resident.last_reply() == (
        f"{AGENCY}: Gracias. Recibirá alertas para el código postal 94110. Para recibirlas también por "
        "correo electrónico, responda con su correo. Responda ALTO para darse de baja."
    )


def test_ayuda_lists_the_spanish_words_and_records_nothing() -> None:
    resident = spanish_resident()
    assert resident.texts("¡Ayuda!") == "help"
    assert "ALTO AGUA" in resident.last_reply() and "UNIRME" in resident.last_reply()
    assert resident.consent.ledger == {}
    assert resident.texts("unirme") == "join"
    assert (
        resident.last_reply()
        == f"{AGENCY}: Responda UNIRME y un tema: AGUA, TORMENTA. O responda UNIRME TODOS."
    )


def test_the_carriers_stop_works_for_a_spanish_resident_and_keeps_their_language() -> None:
    resident = spanish_resident()
    resident.texts("ALTA AGUA")
    assert resident.texts("STOP") == "opt_out"
    assert resident.state.opted_out_all and resident.state.language == "es"
    assert resident.last_reply().startswith(f"{AGENCY}: You are unsubscribed")
    assert resident.texts("inicio") == "opt_in"
    assert not resident.state.opted_out_all
    assert resident.last_reply().startswith(f"{AGENCY}: Se ha vuelto a suscribir.")


@pytest.mark.parametrize(
    ("body", "words"),
    [("sí, ¡Alto!", ("SI", "ALTO")), ("Đăng ký", ("DANG", "KY")), ("ＳÍ", ("SI",)), ("Ñandú", ("NANDU",))],
)
def test_words_are_compared_without_accents_or_case(body: str, words: tuple[str, ...]) -> None:
    from switchboard.words import words_of

    assert words_of(body) == words
