"""Reading a reply as a rating, and the satisfaction arithmetic (issue 18 item 5's figures)."""

from __future__ import annotations

import unicodedata

import pytest
from feedback.logic.ratings import ParsedRating, parse_rating, satisfaction
from hypothesis import given
from hypothesis import strategies as st


def test_ratings_5_5_4_3_2_1_of_10_sent_give_6_responses_60_percent_and_50_percent_satisfied() -> None:
    figures = satisfaction(10, [5, 5, 4, 3, 2, 1])
    assert figures.responses == 6
    assert figures.response_rate == 60.0
    assert figures.satisfaction == 50.0
    assert figures.distribution == {1: 1, 2: 1, 3: 1, 4: 1, 5: 2}
    assert figures.median == 3.5


def test_nothing_sent_or_nobody_answering_gives_zero_not_an_error() -> None:
    assert satisfaction(0, []).response_rate == 0.0
    assert satisfaction(4, []).satisfaction == 0.0
    with pytest.raises(ValueError):
        satisfaction(3, [6])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("4", ParsedRating(4, "")),
        (" 5! ", ParsedRating(5, "")),
        ("2 slow answer", ParsedRating(2, "slow answer")),
        ("1 - rude", ParsedRating(1, "rude")),
        ("3/5 ok", ParsedRating(3, "ok")),
        ("5 de 5", ParsedRating(5, "")),
        ("\uff12", ParsedRating(2, "")),  # a full-width digit from a phone keyboard
    ],
)
def test_a_digit_1_to_5_with_or_without_words_is_a_rating(body: str, expected: ParsedRating) -> None:
    assert parse_rating(body) == expected


@pytest.mark.parametrize("body", ["10", "0", "6", "2.5", "2,5", "five", "call me at 5", "", "STOP", "45 min"])
def test_anything_else_is_not_a_rating(body: str) -> None:
    assert parse_rating(body) is None


def test_only_a_low_rating_with_words_asks_for_a_follow_up() -> None:
    assert parse_rating("2 slow answer").needs_follow_up  # type: ignore[union-attr]
    assert not parse_rating("2").needs_follow_up  # type: ignore[union-attr]
    assert not parse_rating("3 so so").needs_follow_up  # type: ignore[union-attr]


@given(st.text(max_size=40))
def test_a_parsed_rating_is_always_1_to_5_and_its_words_come_from_the_reply(body: str) -> None:
    parsed = parse_rating(body)
    if parsed is not None:
        assert 1 <= parsed.rating <= 5
        assert parsed.words in unicodedata.normalize("NFKC", body)
