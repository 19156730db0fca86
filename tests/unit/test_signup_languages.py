"""Sign-up in the resident's language (issue 20): the confirmation text is in the language picked on the
page, "SÍ"/"sí"/"si por favor" (or CÓ in Vietnamese) confirms like YES, and the answer and the stored
language follow the words the resident used."""

from __future__ import annotations

import pytest
from inbox.models.consent import Topic
from inbox.pipeline import InboundText
from subscriptions.logic.signup import CONFIRM_WORDS, confirm_signup_handler
from switchboard.words import first_keyword

from tests.unit.fakes import InMemoryConsent
from tests.unit.test_signup import PHONE, InMemorySignups, Texts, sign_up

TOPICS = (
    Topic("WATER", "Water service", (("es", "AGUA", "servicio de agua"), ("vi", "NUOC", "dịch vụ nước"))),
    Topic("STORM", "Storm warnings", (("es", "TORMENTA", "avisos de tormenta"),)),
)


def confirm(body: str, signups: InMemorySignups, consent: InMemoryConsent) -> str | None:
    keyword = first_keyword(body)
    assert keyword is not None and keyword.keyword in CONFIRM_WORDS
    handler = confirm_signup_handler(
        consent=consent, signups=signups, agency_name=lambda: "Demo County", now=lambda: 1000.0
    )
    return handler(InboundText("SM1", PHONE, "sms", "t1", body, "2026-11-25T10:00:00.000000Z"), keyword)


def signed_up(language: str, **fields: object) -> tuple[InMemorySignups, Texts]:
    signups, texts = InMemorySignups(), Texts()
    assert sign_up(signups, texts, 1000.0, language=language, **fields)
    return signups, texts


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Demo County: Reply YES to get WATER alerts for ZIP 94110. Msg&data rates may apply."),
        ("es", "Demo County: Responda SÍ para recibir alertas de WATER para el código postal 94110."),
        ("vi", "Demo County: Trả lời CÓ để nhận cảnh báo về WATER cho mã ZIP 94110."),
    ],
)
def test_the_confirmation_text_is_in_the_language_picked_on_the_page(language: str, expected: str) -> None:
    _, texts = signed_up(language, zip_code="94110")
    assert texts.sent[-1][1].startswith(expected)


def test_a_language_without_a_catalog_gets_english_rather_than_nothing() -> None:
    _, texts = signed_up("ko")
    assert texts.sent[-1][1].startswith("Demo County: Reply YES to get WATER alerts.")


@pytest.mark.parametrize("body", ["SÍ", "si", "Sí.", "  sí por favor ", "SI POR FAVOR"])
def test_si_in_any_case_with_or_without_its_accent_confirms_in_spanish(body: str) -> None:
    signups, _ = signed_up("es", zip_code="94110")
    consent = InMemoryConsent(TOPICS)
    reply = confirm(body, signups, consent)
    assert reply is not None and reply.startswith("Demo County: Está suscrito a las alertas de AGUA")
    state = consent.load_state(PHONE)
    assert state.topics == {"WATER"} and state.language == "es"
    assert {(c.source, c.action) for c in consent.ledger.values()} == {
        ("signup", "opt_in"),
        ("signup", "set_zone"),
    }
    assert signups.items == {}


def test_si_to_an_english_sign_up_switches_the_resident_to_spanish() -> None:
    signups, _ = signed_up("en")
    consent = InMemoryConsent(TOPICS)
    reply = confirm("si", signups, consent)
    assert reply == (
        "Demo County: Está suscrito a las alertas de AGUA. "
        "Responda ALTO para darse de baja o AYUDA para obtener ayuda."
    )
    assert consent.load_state(PHONE).language == "es"


@pytest.mark.parametrize("body", ["CÓ", "co", "Đồng ý", "dong y"])
def test_vietnamese_yes_confirms_in_vietnamese(body: str) -> None:
    signups, _ = signed_up("vi")
    consent = InMemoryConsent(TOPICS)
    reply = confirm(body, signups, consent)
    assert reply is not None and reply.startswith("Demo County: Quý vị đã đăng ký nhận cảnh báo về NUOC.")
    assert consent.load_state(PHONE).language == "vi"


@pytest.mark.parametrize("body", ["si señor", "SI NO", "yes no", "co ay"])
def test_a_yes_word_followed_by_other_words_is_left_for_staff(body: str) -> None:
    signups, _ = signed_up("es")
    consent = InMemoryConsent(TOPICS)
    assert confirm(body, signups, consent) is None
    assert consent.ledger == {} and signups.items != {}
