"""The keywords as carriers and the CTIA handbook write them, spelled out here (never read from the parser's
own lists, so shortening a list fails a test), through the parser and through the consent step; and the
consent sequences residents actually send."""

from __future__ import annotations

import pytest
from alerts.logic.delivery import may_receive_alert
from subscriptions.logic.keywords import Help, Join, OptIn, OptOut, ZipCode, parse_command

from tests.unit.test_consent_keywords import ADDRESS, Resident

TOPICS = {"WATER", "STORM", "PARKING"}

CARRIER_STOP = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]
CARRIER_START = ["START", "UNSTOP"]
CARRIER_HELP = ["HELP", "INFO"]


@pytest.mark.parametrize("word", CARRIER_STOP)
@pytest.mark.parametrize(
    "spelled", [str.upper, str.lower, str.title, lambda w: f" {w}. ", lambda w: f"{w}!!"]
)
def test_every_carrier_stop_word_stops_everything(word: str, spelled: object) -> None:
    assert parse_command(spelled(word), TOPICS) == OptOut()  # type: ignore[operator]


@pytest.mark.parametrize("word", CARRIER_START)
@pytest.mark.parametrize("spelled", [str.upper, str.lower, str.title, lambda w: f" {w}. "])
def test_every_carrier_start_word_resumes(word: str, spelled: object) -> None:
    assert parse_command(spelled(word), TOPICS) == OptIn()  # type: ignore[operator]


@pytest.mark.parametrize("word", CARRIER_HELP)
@pytest.mark.parametrize("spelled", [str.upper, str.lower, str.title, lambda w: f"{w}?"])
def test_every_carrier_help_word_is_help(word: str, spelled: object) -> None:
    assert parse_command(spelled(word), TOPICS) == Help()  # type: ignore[operator]


@pytest.mark.parametrize(
    "text",
    ["STOP NOW", "stop please", "Stop all", "STOP ME", "stop everything", "stop it", "Stop, thanks",
     "Please stop", "please STOP.", "Opt out", "opt-out", "QUIT NOW", "cancel please", "END ALL"],
)  # fmt: skip
def test_a_stop_word_with_a_filler_still_stops_everything(text: str) -> None:
    assert parse_command(text, TOPICS) == OptOut()


@pytest.mark.parametrize(
    ("text", "topic"),
    [("STOP WATER", "WATER"), ("cancel storm", "STORM"), ("Unsubscribe parking", "PARKING")],
)
def test_a_stop_word_and_a_topic_stops_that_topic(text: str, topic: str) -> None:
    assert parse_command(text, TOPICS) == OptOut(topic)


@pytest.mark.parametrize(
    "text",
    ["please help", "Please help!", "help me", "HELP STOP", "info please", "stop by the office", "stop sign",
     "end of the street", "cancel my appointment", "quit smoking", "start", "unstop"],
)  # fmt: skip
def test_these_never_stop_anything(text: str) -> None:
    assert not isinstance(parse_command(text, TOPICS), OptOut)


@pytest.mark.parametrize(
    ("text", "command"),
    [("START WATER", OptIn("WATER")), ("start all", OptIn()), ("UNSTOP storm", OptIn("STORM")),
     ("start the car", None), ("JOIN", Join()), ("subscribe", Join()), ("join all", Join("ALL")),
     ("Join Water", Join("WATER")), ("JOIN FLOODS", Join(unknown="FLOODS")), ("join 1", None)],
)  # fmt: skip
def test_start_and_join_with_a_second_word(text: str, command: object) -> None:
    assert parse_command(text, TOPICS) == command


@pytest.mark.parametrize(
    ("text", "command"),
    [("94110", ZipCode("94110")), ("94110-1234", ZipCode("94110")), ("94110 1234", ZipCode("94110")),
     (" 02134. ", ZipCode("02134")), ("9411", None), ("941101", None), ("94110-123", None),
     ("94110-12345", None), ("94110 1234 5", None)],
)  # fmt: skip
def test_zip_codes_and_zip_plus_four(text: str, command: object) -> None:
    assert parse_command(text, TOPICS) == command


# --- the same words through the consent step: the ledger, the state, the answer ---


@pytest.mark.parametrize("word", CARRIER_STOP)
def test_each_stop_word_records_an_opt_out_of_everything(word: str) -> None:
    resident = Resident()
    resident.texts("JOIN WATER")
    assert resident.texts(word.lower()) == "opt_out"
    assert resident.state.opted_out_all and not resident.state.may_receive(None)
    assert not resident.state.may_receive("WATER")
    assert [(c.topic, c.action) for c in resident.consent.ledger.values()][-1] == ("ALL", "opt_out")
    assert "You are unsubscribed" in resident.last_reply()


@pytest.mark.parametrize("word", CARRIER_START)
def test_each_start_word_after_stop_resumes(word: str) -> None:
    resident = Resident()
    resident.texts("JOIN WATER")
    resident.texts("STOP")
    assert resident.texts(word) == "opt_in"
    assert not resident.state.opted_out_all and resident.state.may_receive("WATER")
    assert "You are resubscribed" in resident.last_reply()


@pytest.mark.parametrize("word", CARRIER_HELP)
def test_each_help_word_answers_and_changes_nothing(word: str) -> None:
    resident = Resident()
    assert resident.texts(word) == "help"
    assert resident.consent.ledger == {} and "STOP" in resident.last_reply()


def test_join_water_stop_water_then_start_keeps_water_off() -> None:
    resident = Resident()
    resident.texts("JOIN WATER")
    resident.texts("STOP WATER")
    assert resident.texts("START") == "opt_in"
    assert "WATER" not in resident.state.topics
    consent_item = {"topics": sorted(resident.state.topics), "stopped_topics": []}
    assert not may_receive_alert(consent_item, ADDRESS, ("WATER",))


def test_stop_all_then_start_brings_back_exactly_what_was_suspended() -> None:
    resident = Resident()
    resident.texts("JOIN WATER")
    resident.texts("JOIN STORM")
    resident.texts("STOP STORM")
    resident.texts("STOP")
    assert resident.state.topics == frozenset()
    resident.texts("START")
    assert resident.state.topics == {"WATER"}


def test_stop_clears_a_pending_zip_prompt() -> None:
    resident = Resident()
    resident.texts("JOIN WATER")
    assert resident.state.awaiting == "zip"
    resident.texts("STOP")
    assert resident.state.awaiting is None
    assert resident.texts("94110") == "none"  # now a message for staff, not a subscription
    assert resident.state.zones == ()


def test_stop_of_one_topic_keeps_the_zip_prompt() -> None:
    resident = Resident()
    resident.texts("JOIN ALL")
    resident.texts("STOP PARKING")
    assert resident.state.awaiting == "zip"
    assert resident.texts("94110-1234") == "zone"
    assert resident.state.zones == ("zip:94110",)


@pytest.mark.parametrize("text", ["please help", "Please help me", "help please"])
def test_please_help_never_stops(text: str) -> None:
    resident = Resident()
    resident.texts("JOIN WATER")
    resident.texts(text)
    assert not resident.state.opted_out_all and resident.state.may_receive("WATER")
    assert [c.action for c in resident.consent.ledger.values()] == ["opt_in"]


@pytest.mark.parametrize("text", ["STOP NOW", "Stop please", "stop it"])
def test_stop_with_a_filler_records_an_opt_out_of_everything(text: str) -> None:
    resident = Resident()
    assert resident.texts(text) == "opt_out"
    assert resident.state.opted_out_all


def after(*texts: str) -> Resident:
    """A resident who has sent these texts, in order."""
    resident = Resident()
    for text in texts:
        resident.texts(text)
    return resident


def test_join_water_stop_all_stop_water_then_start_keeps_water_off() -> None:
    # The STOP of everything suspended WATER; the later STOP WATER must take it out of what START resumes.
    resident = after("JOIN WATER", "STOP", "STOP WATER", "START")
    assert "WATER" not in resident.state.topics and resident.state.suspended_topics == frozenset()


def test_rejoining_a_stopped_topic_clears_the_stop() -> None:
    resident = after("JOIN WATER", "STOP WATER", "JOIN WATER")
    assert resident.state.topics == {"WATER"} and resident.state.stopped_topics == frozenset()
    assert resident.state.may_receive("WATER")


def test_joining_after_stop_takes_the_topic_out_of_the_suspended_ones() -> None:
    resident = after("JOIN WATER", "STOP")
    assert resident.state.suspended_topics == {"WATER"}
    resident.texts("JOIN WATER")
    assert resident.state.suspended_topics == frozenset() and resident.state.topics == {"WATER"}


def test_start_clears_every_stop_and_suspension_and_each_change_is_stamped() -> None:
    resident = after("JOIN WATER", "STOP STORM", "STOP")
    assert resident.state.updated_at == "2026-11-25T10:00:03.000000Z" and resident.state.version == 3
    resident.texts("START")
    assert (resident.state.stopped_topics, resident.state.suspended_topics) == (frozenset(), frozenset())
    assert resident.state.topics == {"WATER"} and resident.state.updated_at == "2026-11-25T10:00:04.000000Z"
