"""Every consent keyword, in any case, with stray spaces and punctuation; and what must not be read as one."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from subscriptions.logic.keywords import (
    HELP_WORDS,
    START_WORDS,
    STOP_WORDS,
    Help,
    Join,
    OptIn,
    OptOut,
    ZipCode,
    parse_command,
    reads_like_revocation,
)
from switchboard.words import first_keyword, words_of

TOPICS = {"WATER", "STORM", "PARKING"}
STRAY = st.text(alphabet=" \t\n.,!?;:-_'\"()*~", max_size=4)


def any_case(word: str) -> st.SearchStrategy[str]:
    return st.tuples(*[st.sampled_from([ch.lower(), ch.upper()]) for ch in word]).map("".join)


@pytest.mark.parametrize("word", sorted(STOP_WORDS))
def test_each_stop_word_alone_stops_everything(word: str) -> None:
    assert parse_command(word, TOPICS) == OptOut()
    assert parse_command(f"  {word.lower()}!! ", TOPICS) == OptOut()


@given(word=st.sampled_from(sorted(STOP_WORDS)).flatmap(any_case), before=STRAY, after=STRAY)
def test_stop_words_in_any_case_with_stray_spaces_and_punctuation(word: str, before: str, after: str) -> None:
    assert parse_command(before + word + after, TOPICS) == OptOut()


@given(
    word=st.sampled_from(sorted(STOP_WORDS)).flatmap(any_case),
    topic=st.sampled_from(sorted(TOPICS)).flatmap(any_case),
    gap=st.text(alphabet=" .,-", min_size=1, max_size=3),
    after=STRAY,
)
def test_stop_and_a_topic_stops_only_that_topic(word: str, topic: str, gap: str, after: str) -> None:
    assert parse_command(word + gap + topic + after, TOPICS) == OptOut(topic.upper())


@pytest.mark.parametrize(
    "text", ["STOP ALL", "stop please", "Please stop", "opt-out", "Opt out.", "ＳＴＯＰ"]
)
def test_other_ways_of_saying_stop_everything(text: str) -> None:
    assert parse_command(text, TOPICS) == OptOut()


@given(word=st.sampled_from(sorted(START_WORDS)).flatmap(any_case), before=STRAY, after=STRAY)
def test_start_and_unstop_resume(word: str, before: str, after: str) -> None:
    assert parse_command(before + word + after, TOPICS) == OptIn()


def test_start_a_topic_resumes_that_topic() -> None:
    assert parse_command("start water", TOPICS) == OptIn("WATER")
    assert parse_command("START ALL", TOPICS) == OptIn()
    assert parse_command("start the car", TOPICS) is None


@given(word=st.sampled_from(sorted(HELP_WORDS)).flatmap(any_case), before=STRAY, after=STRAY)
def test_help(word: str, before: str, after: str) -> None:
    assert parse_command(before + word + after, TOPICS) == Help()


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("JOIN", Join()),
        ("join!", Join()),
        ("Join water", Join("WATER")),
        ("subscribe STORM", Join("STORM")),
        ("JOIN ALL", Join("ALL")),
        ("JOIN FLOODS", Join(unknown="FLOODS")),
    ],
)
def test_join(text: str, command: Join) -> None:
    assert parse_command(text, TOPICS) == command


@pytest.mark.parametrize(
    ("text", "zip_code"), [("94110", "94110"), (" 94110. ", "94110"), ("94110-1234", "94110")]
)
def test_a_zip_code(text: str, zip_code: str) -> None:
    assert parse_command(text, TOPICS) == ZipCode(zip_code)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Cancel my appointment please",
        "End of Elm St has no water",
        "stop sign is down",
        "Stop the water main from leaking!",
        "STOPP",
        "STOP WATERS",
        "helpful",
        "9411",
        "941100",
        "Is the water safe?",
        "quit it kids",
    ],
)
def test_messages_for_staff_are_not_commands(text: str) -> None:
    assert parse_command(text, TOPICS) is None


@given(st.text(max_size=200))
def test_only_the_words_decide_and_long_messages_are_for_staff(text: str) -> None:
    command = parse_command(text, TOPICS)
    words = words_of(text)
    # Case, spacing and punctuation never change the reading: the bare words read the same.
    assert parse_command(" ".join(words), TOPICS) == command
    if len(words) > 2:
        assert command is None
    if isinstance(command, OptOut):
        # Only a carrier stop word, "OPT OUT" or "PLEASE <stop word>" ever stops anything.
        carrier = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")
        assert (
            words[0] in carrier or words == ("OPT", "OUT") or (words[0] == "PLEASE" and words[1] in carrier)
        )


def _no_letters_after_normalizing(ch: str) -> bool:
    return not any(c.isalnum() for c in unicodedata.normalize("NFKC", ch).upper())


NOISE = st.text(
    st.characters(categories=["P", "S", "Z", "Cc"]).filter(_no_letters_after_normalizing), max_size=12
)


@given(
    word=st.sampled_from(
        ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]
    ).flatmap(any_case),
    before=NOISE,
    after=NOISE,
)
def test_a_stop_word_alone_in_any_noise_is_always_a_full_stop(word: str, before: str, after: str) -> None:
    # Emoji, symbols, any punctuation or spacing around it: a carrier stop word alone is a STOP.
    assert parse_command(before + word + after, TOPICS) == OptOut()


def test_registered_keywords_are_found_by_their_first_word() -> None:
    keyword = first_keyword("callback tomorrow 3pm")
    assert keyword is not None and keyword.keyword == "CALLBACK" and keyword.rest == ("TOMORROW", "3PM")
    assert first_keyword("a very long message that is not a keyword") is None


def test_a_registered_keyword_takes_at_most_three_more_words() -> None:
    four = first_keyword("callback monday at 3pm")
    assert four is not None and four.rest == ("MONDAY", "AT", "3PM")
    assert first_keyword("callback on monday at 3pm") is None
    assert first_keyword(" ... ") is None


@pytest.mark.parametrize(
    "text",
    [
        "please stop texting me",
        "Stop sending me these messages",
        "don't text me again",
        "Do not contact me",
        "no more alerts please",
        "Unsubscribe me from this",
        "take me off your list",
        "wrong number",
        "I want to opt out",
        "remove my number",
        "PLEASE STOP TEXTING ME!!!",
        "Don\u2019t message me",
    ],
)
def test_free_text_revocations_are_recognised(text: str) -> None:
    assert reads_like_revocation(text)


@pytest.mark.parametrize(
    "text",
    ["Is the water safe to drink?", "When does the cooling center open?", "The stop sign on Elm is down"],
)
def test_ordinary_messages_are_not_revocations(text: str) -> None:
    assert not reads_like_revocation(text)
