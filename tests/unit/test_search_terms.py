"""Search terms: what a message or a phone number is findable by."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from inbox.logic.search_terms import (
    MAX_TERMS,
    looks_like_phone,
    phone_candidates,
    phone_term,
    word_terms,
)


def test_words_are_folded_deduplicated_and_common_words_dropped() -> None:
    assert word_terms("Is the WATER safe? ¿El agua está sucia? Water!") == [
        "water",
        "safe",
        "agua",
        "esta",
        "sucia",
    ]


def test_markup_is_split_into_plain_words() -> None:
    assert word_terms("<script>alert(1)</script>") == ["script", "alert"]


@given(st.text(max_size=500))
def test_any_text_gives_at_most_max_terms_distinct_lowercase_terms(text: str) -> None:
    terms = word_terms(text)
    assert len(terms) == len(set(terms)) <= MAX_TERMS
    assert all(len(t) >= 2 and t == t.casefold() for t in terms)


def test_numbers_are_recognised_with_phone_punctuation_only() -> None:
    assert looks_like_phone("(555) 123-4567") and looks_like_phone("4567")
    assert not looks_like_phone("123") and not looks_like_phone("flat 4567")
    assert phone_candidates("555 123 4567") == [
        "+15551234567",
        "+5551234567",
        "whatsapp:+15551234567",
        "whatsapp:+5551234567",
    ]
    assert phone_term("whatsapp:+15551234567") == "tel:4567"
    assert phone_term("+12") is None
