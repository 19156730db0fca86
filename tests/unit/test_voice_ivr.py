"""The IVR's TwiML per state, with in-memory fakes of what it reads and does (no network)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from voice.logic.ivr import PATH_WORDS, Ivr, IvrSettings, choice_of
from voice.models.voice import CallerProfile, CallRecord, Pending, VoiceTurn

CALLER = "+12025550143"
AGENCY = "+12025550100"
SID = "CA" + "a" * 32
URL = "https://api.example.gov/twilio/voice"
NOW = "2026-12-07T15:00:00.000000Z"
SLOTS = ["2026-12-08T15:00:00Z", "2026-12-08T15:30:00Z", "2026-12-08T16:00:00Z"]


@dataclass
class FakeStore:
    profiles: dict[str, CallerProfile] = field(default_factory=dict)
    turns: dict[tuple[str, int], str | None] = field(default_factory=dict)
    records: dict[str, CallRecord] = field(default_factory=dict)

    def caller(self, address: str) -> CallerProfile:
        return self.profiles.get(address, CallerProfile())

    def claim_turn(self, call_sid: str, turn: int, now: str) -> bool:
        if (call_sid, turn) in self.turns:
            return False
        self.turns[(call_sid, turn)] = None
        return True

    def answer_of(self, call_sid: str, turn: int) -> str | None:
        return self.turns.get((call_sid, turn))

    def release_turn(self, call_sid: str, turn: int) -> None:
        self.turns.pop((call_sid, turn), None)

    def call(self, call_sid: str) -> CallRecord | None:
        record = self.records.get(call_sid)
        return None if record is None else CallRecord(**{**record.__dict__, "path": list(record.path)})

    def save_turn(self, call_sid: str, turn: int, twiml: str, record: CallRecord, now: str) -> None:
        self.turns[(call_sid, turn)] = twiml
        self.records[call_sid] = record


@dataclass
class FakeCallbacks:
    free: list[str] | None = field(default_factory=lambda: list(SLOTS))
    taken: set[str] = field(default_factory=set)
    booked: list[tuple[str, str]] = field(default_factory=list)

    def free_slots(self, thread_id: str, lang: str | None) -> list[str] | None:
        return None if self.free is None else [s for s in self.free if s not in self.taken]

    def book(self, thread_id: str, number: int, lang: str | None) -> tuple[str, str | None]:
        slots = self.free_slots(thread_id, lang) or []
        if not 1 <= number <= len(slots):
            return "out_of_range", None
        slot = slots[number - 1]
        if slot in {s for _, s in self.booked}:
            return "taken", slot
        self.booked.append((thread_id, slot))
        return "booked", slot


@dataclass
class FakeTexts:
    sent: dict[str, str] = field(default_factory=dict)  # message id -> body: one text per id
    requests: list[str] = field(default_factory=list)

    def thread_for(self, address: str, now: str) -> str:
        return "t-new"

    def text(self, address: str, message_id: str, body: str, at: str) -> None:
        self.sent.setdefault(message_id, body)

    def record_text_request(self, address: str, call_sid: str, at: str) -> None:
        self.requests.append(call_sid)


@dataclass
class FakeCounter:
    counted: set[tuple[str, str]] = field(default_factory=set)

    def count(self, call_sid: str, figure: str, at: str, thread_id: str | None) -> None:
        self.counted.add((call_sid, figure))


class Pendings:
    def __init__(self, pending: Pending) -> None:
        self.value = pending

    def pending(self, profile: CallerProfile) -> Pending:
        return self.value


class Alerts:
    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    def todays(self, profile: CallerProfile, lang: str | None) -> list[str]:
        return self.texts


@dataclass
class World:
    store: FakeStore = field(default_factory=FakeStore)
    callbacks: FakeCallbacks = field(default_factory=FakeCallbacks)
    texts: FakeTexts = field(default_factory=FakeTexts)
    counter: FakeCounter = field(default_factory=FakeCounter)
    pending: Pending = field(default_factory=Pending)
    alerts: list[str] = field(default_factory=list)
    duty: str | None = "+12025550199"

    def ivr(self) -> Ivr:
        return Ivr(
            store=self.store,
            pending=Pendings(self.pending),
            callbacks=self.callbacks,
            texts=self.texts,
            alerts=Alerts(self.alerts),
            duty_number=lambda: self.duty,
            counter=self.counter,
            settings=IvrSettings(
                voice_url=URL, agency_name=lambda: "City of Example", time_zone="America/New_York"
            ),
        )


def turn(url: str | None = None, **params: str) -> VoiceTurn:
    query = urlsplit(url).query if url else ""
    return VoiceTurn.from_params({"CallSid": SID, "From": CALLER, "To": AGENCY, **params}, query)


def parsed(twiml: str) -> ET.Element:
    return ET.fromstring(twiml)  # noqa: S314 - our own TwiML


def said(twiml: str) -> str:
    return " ".join(node.text or "" for node in parsed(twiml).iter("Say"))


def next_url(twiml: str) -> str:
    root = parsed(twiml)
    node = root.find("Gather")
    if node is None:
        node = root.find("Dial")
    assert node is not None, twiml
    return node.attrib["action"]


def test_a_known_caller_hears_what_is_pending_in_their_language_without_personal_data() -> None:
    world = World(
        pending=Pending(callback_at="2026-12-08T15:00:00Z", request_digits="1023", open_conversation=True)
    )
    world.store.profiles[CALLER] = CallerProfile(thread_id="t1", language="es")

    twiml = world.ivr().answer(turn(), NOW)

    root = parsed(twiml)
    assert {say.attrib["language"] for say in root.iter("Say")} == {"es-US"}
    words = said(twiml)
    assert "martes" in words and "10:00" in words  # the slot, in the agency's time zone, in Spanish
    assert "1 0 2 3" in words  # the request's last digits, read one by one
    assert "conversación abierta" in words
    assert "2025550143" not in twiml and "0143" not in twiml  # never the number calling
    gather = root.find("Gather")
    assert gather is not None
    assert gather.attrib["input"] == "dtmf speech" and gather.attrib["language"] == "es-US"
    assert gather.attrib["actionOnEmptyResult"] == "true"
    assert parse_qs(urlsplit(gather.attrib["action"]).query) == {"step": ["menu"], "n": ["1"], "r": ["0"]}
    assert world.counter.counted == {(SID, "answered")}
    assert world.store.records[SID].path == ["answered", "heard_status"]


def test_an_unknown_caller_hears_the_menu_in_english_and_nothing_pending() -> None:
    world = World(pending=Pending(open_conversation=True))
    twiml = world.ivr().answer(turn(), NOW)
    words = said(twiml)
    assert "Thank you for calling City of Example" in words and "press 1" in words
    assert "open conversation" not in words
    assert parsed(twiml).find("Gather").attrib["language"] == "en-US"  # type: ignore[union-attr]


def test_pressing_1_sends_exactly_one_text_and_a_replay_does_nothing_again() -> None:
    world = World()
    world.store.profiles[CALLER] = CallerProfile(thread_id="t1")
    ivr = world.ivr()
    menu = next_url(ivr.answer(turn(), NOW))

    first = ivr.answer(turn(menu, Digits="1"), NOW)
    replay = ivr.answer(turn(menu, Digits="1"), NOW)

    assert replay == first
    assert len(world.texts.sent) == 1 and world.texts.requests == [SID]
    assert "continue by text" in next(iter(world.texts.sent.values()))
    assert parsed(first).find("Hangup") is not None and "We sent you a text" in said(first)
    assert (SID, "deflected") in world.counter.counted
    assert world.store.records[SID].path[-1] == "text"


def test_asking_for_a_text_twice_in_one_call_still_sends_one() -> None:
    world = World(alerts=["Water main break on Elm St."])
    ivr = world.ivr()
    menu = next_url(ivr.answer(turn(), NOW))
    menu = next_url(ivr.answer(turn(menu, Digits="3"), NOW))  # hear the alerts, back to the menu
    ivr.answer(turn(menu, Digits="1"), NOW)
    # a second "1" at a later turn of the same call keys the same text
    ivr.answer(turn(menu.replace("n=2", "n=7"), Digits="1"), NOW)
    assert len(world.texts.sent) == 1


def test_a_caller_who_opted_out_is_not_texted() -> None:
    world = World()
    world.store.profiles[CALLER] = CallerProfile(thread_id="t1", opted_out=True)
    ivr = world.ivr()
    menu = next_url(ivr.answer(turn(), NOW))
    twiml = ivr.answer(turn(menu, Digits="1"), NOW)
    assert world.texts.sent == {} and world.texts.requests == []
    assert "cannot send texts" in said(twiml) and parsed(twiml).find("Gather") is not None


def test_silence_reprompts_once_then_says_goodbye() -> None:
    world = World()
    ivr = world.ivr()
    menu = next_url(ivr.answer(turn(), NOW))

    again = ivr.answer(turn(menu), NOW)
    assert "did not hear a choice" in said(again)
    second_menu = next_url(again)
    assert parse_qs(urlsplit(second_menu).query)["r"] == ["1"]

    bye = ivr.answer(turn(second_menu), NOW)
    assert "Goodbye" in said(bye) and parsed(bye).find("Hangup") is not None
    assert parsed(bye).find("Gather") is None
    assert world.store.records[SID].path[-2:] == ["silence", "goodbye"]


def test_a_key_not_on_the_menu_is_named_and_the_menu_said_again() -> None:
    world = World()
    ivr = world.ivr()
    menu = next_url(ivr.answer(turn(), NOW))
    twiml = ivr.answer(turn(menu, Digits="7"), NOW)
    assert "not one of the choices" in said(twiml) and parsed(twiml).find("Gather") is not None


def test_pressing_2_offers_free_slots_and_a_key_books_one() -> None:
    world = World()
    world.store.profiles[CALLER] = CallerProfile(thread_id="t1")
    ivr = world.ivr()
    menu = next_url(ivr.answer(turn(), NOW))

    offer = ivr.answer(turn(menu, Digits="2"), NOW)
    words = said(offer)
    assert "Tuesday at 10:00 AM, press 1" in words and "Tuesday at 11:00 AM, press 3" in words
    slot_url = next_url(offer)
    assert parse_qs(urlsplit(slot_url).query)["step"] == ["slot"]

    booked = ivr.answer(turn(slot_url, Digits="2"), NOW)
    assert "booked for Tuesday at 10:30 AM" in said(booked) and parsed(booked).find("Hangup") is not None
    assert world.callbacks.booked == [("t1", SLOTS[1])]
    assert (SID, "callback_booked") in world.counter.counted
    assert any(
        key.startswith("ivr-booked:") for key in world.texts.sent
    )  # the confirmation, with CANCEL words


def test_a_slot_taken_meanwhile_is_said_and_the_free_ones_offered_again() -> None:
    world = World()
    world.store.profiles[CALLER] = CallerProfile(thread_id="t1")
    ivr = world.ivr()
    menu = next_url(ivr.answer(turn(), NOW))
    slot_url = next_url(ivr.answer(turn(menu, Digits="2"), NOW))
    world.callbacks.booked.append(("t-other", SLOTS[0]))  # a text booking won the first slot

    twiml = ivr.answer(turn(slot_url, Digits="1"), NOW)
    assert "just taken" in said(twiml)
    assert parsed(twiml).find("Gather") is not None
    assert world.store.records[SID].path[-2:] == ["callback_taken", "callback_offered"]


def test_no_callbacks_available_goes_back_to_the_menu() -> None:
    world = World(callbacks=FakeCallbacks(free=None))
    ivr = world.ivr()
    menu = next_url(ivr.answer(turn(), NOW))
    twiml = ivr.answer(turn(menu, SpeechResult="I'd like a call back please"), NOW)
    assert "not available" in said(twiml)
    assert parse_qs(urlsplit(next_url(twiml)).query)["step"] == ["menu"]


def test_pressing_3_reads_todays_alerts_then_the_menu() -> None:
    world = World(alerts=["Boil water notice for zone 4.", "Road closed on Main St."])
    ivr = world.ivr()
    menu = next_url(ivr.answer(turn(), NOW))
    twiml = ivr.answer(turn(menu, Digits="3"), NOW)
    words = said(twiml)
    assert "Boil water notice" in words and "Road closed" in words
    assert parsed(twiml).find("Gather") is not None

    world.alerts.clear()
    quiet = ivr.answer(turn(next_url(twiml), SpeechResult="alerts"), NOW)
    assert "no alerts for your area today" in said(quiet)


def test_pressing_0_dials_the_staff_on_duty_and_offers_a_callback_when_nobody_answers() -> None:
    world = World()
    ivr = world.ivr()
    menu = next_url(ivr.answer(turn(), NOW))
    twiml = ivr.answer(turn(menu, Digits="0"), NOW)
    dial = parsed(twiml).find("Dial")
    assert dial is not None and dial.text == "+12025550199"
    assert dial.attrib["timeout"] == "20" and dial.attrib["callerId"] == AGENCY
    assert parse_qs(urlsplit(dial.attrib["action"]).query)["step"] == ["dialed"]

    missed = ivr.answer(turn(dial.attrib["action"], DialCallStatus="no-answer"), NOW)
    assert "book a callback" in said(missed) and parsed(missed).find("Gather") is not None
    assert world.store.records[SID].path[-2:] == ["dial", "dial_unanswered"]


def test_a_person_answered_ends_the_call_and_nobody_on_duty_offers_the_menu() -> None:
    world = World()
    ivr = world.ivr()
    menu = next_url(ivr.answer(turn(), NOW))
    dialed = next_url(ivr.answer(turn(menu, Digits="0"), NOW))
    done = ivr.answer(turn(dialed, DialCallStatus="completed"), NOW)
    assert parsed(done).find("Hangup") is not None and world.store.records[SID].path[-1] == "dial_answered"

    nobody = World(duty=None)
    ivr = nobody.ivr()
    menu = next_url(ivr.answer(turn(), NOW))
    twiml = ivr.answer(turn(menu, Digits="0"), NOW)
    assert parsed(twiml).find("Dial") is None and parsed(twiml).find("Gather") is not None
    assert nobody.store.records[SID].path[-1] == "no_duty"


@pytest.mark.parametrize(
    ("speech", "lang", "choice"),
    [
        ("text me please", "en", "text"),
        ("one", "en", "text"),
        ("quiero una llamada", "es", "callback"),
        ("TEXTO", "es", "text"),
        ("avisos", "es", "alerts"),
        ("tôi muốn gọi lại", "vi", "callback"),
        ("I want to talk to a person", "en", "person"),
        ("agent", "es", "person"),  # English works in every language
        ("banana", "en", None),
    ],
)
def test_speech_is_understood_in_the_callers_language_and_in_english(
    speech: str, lang: str, choice: str
) -> None:
    assert choice_of(turn(SpeechResult=speech), lang) == choice


def test_a_turn_that_fails_can_be_tried_again() -> None:
    world = World()
    ivr = world.ivr()
    menu = next_url(ivr.answer(turn(), NOW))

    def broken(*args: object) -> None:
        raise RuntimeError("queue down")

    world.texts.text = broken  # type: ignore[method-assign,assignment]
    with pytest.raises(RuntimeError):
        ivr.answer(turn(menu, Digits="1"), NOW)
    world.texts.text = FakeTexts.text.__get__(world.texts)  # type: ignore[method-assign]
    assert "We sent you a text" in said(ivr.answer(turn(menu, Digits="1"), NOW))


def test_every_path_step_has_staff_words() -> None:
    source = (Path(__file__).resolve().parents[2] / "functions/voice/logic/ivr.py").read_text(
        encoding="utf-8"
    )
    used = set(re.findall(r'path\.append\("([a-z_]+)"\)', source)) | {"answered"}
    assert used <= PATH_WORDS.keys()


def test_a_text_request_is_on_the_ledger_only_and_never_lifts_a_stop() -> None:
    from inbox.logic.consent_rules import apply_change
    from inbox.models.consent import ConsentChange, ConsentState

    stopped = ConsentState(
        CALLER, opted_out_all=True, suspended_topics=frozenset({"WATER"}), stopped_topics=frozenset({"ROADS"})
    )
    request = ConsentChange(CALLER, "sms", "ALL", "text_request", NOW, "ivr", SID)
    after = apply_change(stopped, request)
    assert (after.opted_out_all, after.topics, after.suspended_topics, after.stopped_topics) == (
        True,
        frozenset(),
        frozenset({"WATER"}),
        frozenset({"ROADS"}),
    )
    assert after.version == stopped.version + 1 and after.updated_at == NOW


@pytest.mark.parametrize("caller", ["anonymous", "", "+266696687"])
def test_a_hidden_number_is_told_it_cannot_be_texted_or_called_back(caller: str) -> None:
    world = World()
    ivr = world.ivr()
    hidden = VoiceTurn.from_params({"CallSid": SID, "From": caller, "To": AGENCY}, "")
    menu = next_url(ivr.answer(hidden, NOW))
    for digit in ("1", "2"):
        query = urlsplit(menu).query
        twiml = ivr.answer(
            VoiceTurn.from_params({"CallSid": SID, "From": caller, "Digits": digit}, query), NOW
        )
        assert "hidden number" in said(twiml) and parsed(twiml).find("Gather") is not None
        menu = next_url(twiml)
    assert world.texts.sent == {} and world.callbacks.booked == []
