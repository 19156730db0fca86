"""Pure rules of the alert composer: segments (GSM-7 / UCS-2), the audience, tracked links."""

from __future__ import annotations

from alerts.logic.audience import Subscriber, count_by_language, language_served, select_recipients
from alerts.logic.links import find_links, rewrite_links
from alerts.logic.segments import GSM7_BASIC, count_segments
from hypothesis import given
from hypothesis import strategies as st


def test_plain_text_is_gsm7_and_fits_160_in_one_segment() -> None:
    assert count_segments("a" * 160).segments == 1
    assert count_segments("a" * 161).segments == 2  # 153 per part once split
    assert count_segments("a" * 306).segments == 2
    assert count_segments("a" * 307).segments == 3
    assert count_segments("").segments == 0


def test_extension_characters_take_two_septets() -> None:
    count = count_segments("€" * 80)
    assert (count.encoding, count.segments, count.forced_by) == ("GSM-7", 1, ())
    assert count_segments("€" * 81).segments == 2


def test_one_curly_apostrophe_forces_ucs2_and_is_named() -> None:
    count = count_segments("Water’s off on Elm St. Don’t drink it — boil first.")
    assert count.encoding == "UCS-2"
    assert count.forced_by == ("’", "—")
    assert count_segments("x" * 69 + "’").segments == 1
    assert count_segments("x" * 70 + "’").segments == 2  # 71 units: 67 per part


def test_emoji_count_two_units_in_ucs2() -> None:
    count = count_segments("🚰" * 35)
    assert (count.encoding, count.segments, count.characters) == ("UCS-2", 1, 35)
    assert count_segments("🚰" * 36).segments == 2


@given(st.text(alphabet=sorted(GSM7_BASIC), max_size=500))
def test_basic_gsm7_never_needs_ucs2(text: str) -> None:
    count = count_segments(text)
    assert count.encoding == "GSM-7"
    assert count.segments == (0 if not text else 1 if len(text) <= 160 else -(-len(text) // 153))


def test_audience_is_each_resident_once_in_the_chosen_zones() -> None:
    water = [Subscriber("+1", ("zip:1",), "es"), Subscriber("+2", ("zip:2",), None)]
    roads = [Subscriber("+1", ("zip:1",), "es"), Subscriber("+3", ("area:elm", "zip:1"), "vi")]

    assert [r.address for r in select_recipients([water, roads], [])] == ["+1", "+2", "+3"]
    assert [r.address for r in select_recipients([water, roads], ["zip:1"])] == ["+1", "+3"]
    recipients = select_recipients([water, roads], ["area:elm", "zip:2"])
    assert [r.address for r in recipients] == ["+2", "+3"]
    assert count_by_language(recipients, ["en", "es"]) == {"en": 2}


def test_language_served_falls_back_to_english_then_the_first_written() -> None:
    assert language_served("es", ["en", "es"]) == "es"
    assert language_served("vi", ["en", "es"]) == "en"
    assert language_served(None, ["es", "zh"]) == "es"


def test_links_are_rewritten_to_the_redirect_with_one_token_per_url() -> None:
    tokens = iter(["tok001", "tok002"])
    texts, links = rewrite_links(
        {
            "en": "See https://city.gov/water. Map: https://city.gov/water/map",
            "es": "Vea https://city.gov/water",
        },
        "https://api.example",
        lambda: next(tokens),
    )

    assert texts["en"] == "See https://api.example/r/tok001. Map: https://api.example/r/tok002"
    assert texts["es"] == "Vea https://api.example/r/tok001"
    assert links == {"tok001": "https://city.gov/water", "tok002": "https://city.gov/water/map"}
    assert find_links("no links here") == []


def test_segment_counts_match_twilios_published_examples() -> None:
    # "{" is an extension character (two septets): with 158 more it fills one 160-septet segment.
    assert (count_segments("{" + "a" * 158).encoding, count_segments("{" + "a" * 158).segments) == (
        "GSM-7",
        1,
    )
    assert count_segments("{" + "a" * 159).segments == 2
    # An emoji is two UTF-16 units: with 68 more it fills one 70-unit UCS-2 segment.
    assert (count_segments("😀" + "a" * 68).encoding, count_segments("😀" + "a" * 68).segments) == (
        "UCS-2",
        1,
    )
    assert count_segments("😀" + "a" * 69).segments == 2
    assert count_segments("1" * 306).segments == 2
    assert count_segments("1" * 307).segments == 3
    assert count_segments("1" * 459).segments == 3
    assert count_segments("1" * 460).segments == 4


def test_multipart_ucs2_is_67_units_a_part() -> None:
    assert count_segments("’" + "a" * 133).segments == 2  # 134 units
    assert count_segments("’" + "a" * 134).segments == 3  # 135 units
    assert count_segments("😀" + "a" * 132).segments == 2  # 134 units
    assert count_segments("😀" + "a" * 133).segments == 3


def test_the_count_reports_characters_and_each_forcing_character_once() -> None:
    count = count_segments("a’b’c😀")
    assert (count.characters, count.forced_by) == (6, ("’", "😀"))
    assert count_segments("~").segments == 1 and count_segments("\f" * 80).segments == 1
    assert count_segments("\f" * 81).segments == 2


def test_segment_counts_are_whole_numbers_in_both_encodings() -> None:
    # Staff see the figure and the API sends it as JSON: 3, never 3.0.
    for text in ("’" + "a" * 134, "a" * 307, "😀" * 40):
        assert type(count_segments(text).segments) is int
