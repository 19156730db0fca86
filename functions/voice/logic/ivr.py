"""The IVR: what the agency number answers at each turn of a call.

A turn is one post of Twilio's voice webhook. Its key is (CallSid, turn number): the first post of a key is
claimed, acted on and its TwiML kept; a replayed post of the same key gets the same TwiML and does nothing
again (no second text, no second booking, no second count).

The caller is known by the number calling, which can be spoofed: the IVR says only what is harmless to
whoever holds the phone (a callback's time, a request's last four digits, that a conversation is open),
never a name, an address or what anyone wrote.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal, Protocol

from aws_lambda_powertools.metrics import MetricUnit
from switchboard import i18n
from switchboard.observability import logger, metrics, redact_address

from voice.logic.twiml import Prompt, action_url
from voice.models.voice import (
    DIGIT_CHOICES,
    MAX_TURNS,
    CallerProfile,
    CallRecord,
    Choice,
    Pending,
    VoiceTurn,
)

# The path a call took, as the thread's timeline entry says it to staff (staff words: not a resident's).
PATH_WORDS = {
    "answered": "answered",
    "heard_status": "heard what is pending",
    "silence": "said nothing",
    "invalid": "chose something not on the menu",
    "goodbye": "hung up after no choice",
    "text": "continued by text (one text sent)",
    "text_refused": "asked for a text, but the number opted out of texts",
    "hidden_number": "asked for a text or callback from a hidden number",
    "callback_offered": "heard callback times",
    "callback_unavailable": "asked for a callback: none available",
    "callback_booked": "booked a callback",
    "callback_taken": "picked a callback time just taken",
    "alerts": "heard today's alerts",
    "dial": "asked for a person: ringing staff on duty",
    "no_duty": "asked for a person: nobody on duty",
    "dial_answered": "talked to staff",
    "dial_unanswered": "staff did not answer",
}
CallFigure = Literal["answered", "deflected", "callback_booked"]


class VoiceStore(Protocol):
    def caller(self, address: str) -> CallerProfile: ...

    def claim_turn(self, call_sid: str, turn: int, now: str) -> bool:
        """True for the first post of (call, turn); False for a replay."""
        ...

    def answer_of(self, call_sid: str, turn: int) -> str | None: ...

    def release_turn(self, call_sid: str, turn: int) -> None: ...

    def call(self, call_sid: str) -> CallRecord | None: ...

    def save_turn(self, call_sid: str, turn: int, twiml: str, record: CallRecord, now: str) -> None:
        """Keep the answer of the turn, the call's path and its timeline entry (when it has a thread)."""
        ...


class PendingSource(Protocol):
    def pending(self, profile: CallerProfile) -> Pending: ...


class CallbackDesk(Protocol):
    """The callbacks' own slot rules and workflow (the CALLBACK keyword's), as the app wires them."""

    def free_slots(self, thread_id: str, lang: str | None) -> list[str] | None:
        """The next free slots (ISO UTC), kept as the thread's offer; None when callbacks are unavailable."""
        ...

    def book(self, thread_id: str, number: int, lang: str | None) -> tuple[str, str | None]:
        """("booked" | "taken" | "no_offer" | "out_of_range", the slot)."""
        ...


class ResidentTexts(Protocol):
    def thread_for(self, address: str, now: str) -> str:
        """The caller's thread id; a first-time caller gets a thread (its item too: a callback's workflow
        texts into it)."""
        ...

    def text(self, address: str, message_id: str, body: str, at: str) -> None:
        """One automatic text into the caller's thread (opened if new); the same message_id is sent once."""
        ...

    def record_text_request(self, address: str, call_sid: str, at: str) -> None:
        """The consent ledger's entry of a caller asking for texts (source `ivr`)."""
        ...


class AlertSource(Protocol):
    def todays(self, profile: CallerProfile, lang: str | None) -> list[str]: ...


class CallCounter(Protocol):
    def count(self, call_sid: str, figure: CallFigure, at: str, thread_id: str | None) -> None: ...


@dataclass(frozen=True)
class IvrSettings:
    voice_url: str  # PUBLIC_API_URL + /twilio/voice
    agency_name: Callable[[], str]
    time_zone: str = "America/New_York"


@dataclass
class Ivr:
    store: VoiceStore
    pending: PendingSource
    callbacks: CallbackDesk
    texts: ResidentTexts
    alerts: AlertSource
    duty_number: Callable[[], str | None]
    counter: CallCounter
    settings: IvrSettings

    def answer(self, turn: VoiceTurn, now: str) -> str:
        if turn.turn > MAX_TURNS:
            return Prompt(None).say(i18n.say("voice.goodbye", None)).hang_up().xml()
        if not self.store.claim_turn(turn.call_sid, turn.turn, now):
            kept = self.store.answer_of(turn.call_sid, turn.turn)
            logger.info("Voice turn replayed", extra={"call_sid": turn.call_sid, "turn": turn.turn})
            if kept is not None:
                return kept
            # The first post of this turn is still being answered: ask again in a second (same key).
            url = action_url(self.settings.voice_url, turn.step, turn.turn, turn.retry)
            return Prompt(None).pause_and_redirect(url).xml()
        try:
            record = self.store.call(turn.call_sid)
            if turn.step == "start" or record is None:
                prompt, record = self._start(turn, now)
            else:
                prompt = self._next(turn, record, now)
            twiml = prompt.xml()
            self.store.save_turn(turn.call_sid, turn.turn, twiml, record, now)
        except Exception:
            self.store.release_turn(turn.call_sid, turn.turn)  # a retry of this post may try again
            raise
        metrics.add_metric(name="VoiceTurnAnswered", unit=MetricUnit.Count, value=1)
        logger.info(
            "Voice turn answered",
            extra={
                "call_sid": turn.call_sid,
                "step": turn.step,
                "turn": turn.turn,
                "path": record.path[-1:] if record.path else [],
                "from_hash": redact_address(turn.caller),
            },
        )
        return twiml

    # --- the steps --------------------------------------------------------------------------------------

    def _start(self, turn: VoiceTurn, now: str) -> tuple[Prompt, CallRecord]:
        profile = self.store.caller(turn.caller)
        record = CallRecord(turn.call_sid, now, profile.language, profile.thread_id, ["answered"])
        lang = profile.language
        lines = self._pending_lines(profile, lang)
        if lines:
            record.path.append("heard_status")
        self.counter.count(turn.call_sid, "answered", now, profile.thread_id)
        prompt = Prompt(lang).say(self._say("welcome", lang), *lines)
        return self._menu(prompt, turn, lang), record

    def _next(self, turn: VoiceTurn, record: CallRecord, now: str) -> Prompt:
        lang = record.language
        if turn.step == "menu":
            return self._on_menu(turn, record, now)
        if turn.step == "slot":
            return self._on_slot(turn, record, now)
        # dialed: Twilio's <Dial> action, with how the call to staff ended
        if turn.dial_status == "completed":
            record.path.append("dial_answered")
            return Prompt(lang).hang_up()
        record.path.append("dial_unanswered")
        return self._menu(Prompt(lang).say(self._say("dial_unanswered", lang)), turn, lang)

    def _on_menu(self, turn: VoiceTurn, record: CallRecord, now: str) -> Prompt:
        lang = record.language
        choice = choice_of(turn, lang)
        if choice is None:
            heard = bool(turn.digits or turn.speech)
            record.path.append("invalid" if heard else "silence")
            if turn.retry >= 1:
                record.path.append("goodbye")
                return Prompt(lang).say(self._say("goodbye", lang)).hang_up()
            words = self._say("not_an_option" if heard else "reprompt", lang)
            return self._menu(Prompt(lang).say(words), turn, lang, retry=turn.retry + 1)
        profile = self.store.caller(turn.caller)
        if choice == "text":
            return self._continue_by_text(turn, record, profile, now)
        if choice == "callback":
            return self._offer_callback(turn, record, now)
        if choice == "alerts":
            record.path.append("alerts")
            alerts = self.alerts.todays(profile, lang)
            prompt = Prompt(lang)
            if alerts:
                prompt.say(self._say("alerts_intro", lang, count=len(alerts)), *alerts)
            else:
                prompt.say(self._say("alerts_none", lang))
            return self._menu(prompt, turn, lang)
        number = self.duty_number()
        if not number:
            record.path.append("no_duty")
            return self._menu(Prompt(lang).say(self._say("dial_unanswered", lang)), turn, lang)
        record.path.append("dial")
        url = action_url(self.settings.voice_url, "dialed", turn.turn + 1)
        return Prompt(lang).say(self._say("dial_connecting", lang)).dial(number, url, turn.agency_number)

    def _continue_by_text(
        self, turn: VoiceTurn, record: CallRecord, profile: CallerProfile, now: str
    ) -> Prompt:
        lang = record.language
        if not turn.reachable:
            record.path.append("hidden_number")
            return self._menu(Prompt(lang).say(self._say("hidden_number", lang)), turn, lang)
        if profile.opted_out:
            # A STOP stands: the number calling may not be the resident's hand (caller id can be spoofed).
            record.path.append("text_refused")
            return self._menu(Prompt(lang).say(self._say("text_refused", lang)), turn, lang)
        body = self._say("text_body", lang)
        # One text per call, whichever turn asks (the id and time follow from the call).
        self.texts.text(turn.caller, f"ivr-text:{turn.call_sid}", body, record.started_at)
        self.texts.record_text_request(turn.caller, turn.call_sid, record.started_at)
        record.thread_id = record.thread_id or self.texts.thread_for(turn.caller, now)
        record.path.append("text")
        self.counter.count(turn.call_sid, "deflected", now, record.thread_id)
        return Prompt(lang).say(self._say("text_sent", lang), self._say("goodbye", lang)).hang_up()

    def _offer_callback(self, turn: VoiceTurn, record: CallRecord, now: str, intro: str = "") -> Prompt:
        lang = record.language
        if not turn.reachable:
            record.path.append("hidden_number")
            return self._menu(Prompt(lang).say(intro, self._say("hidden_number", lang)), turn, lang)
        record.thread_id = record.thread_id or self.texts.thread_for(turn.caller, now)
        slots = self.callbacks.free_slots(record.thread_id, lang)
        if not slots:
            record.path.append("callback_unavailable")
            words = self._say("callback_unavailable" if slots is None else "callback_none_free", lang)
            return self._menu(Prompt(lang).say(intro, words), turn, lang)
        record.path.append("callback_offered")
        sentences = [intro, self._say("callback_intro", lang)] + [
            self._say("callback_slot", lang, number=number, when=self._when(slot, lang))
            for number, slot in enumerate(slots, 1)
        ]
        url = action_url(self.settings.voice_url, "slot", turn.turn + 1, 0 if intro else turn.retry)
        return Prompt(lang).gather(url, [s for s in sentences if s])

    def _on_slot(self, turn: VoiceTurn, record: CallRecord, now: str) -> Prompt:
        lang = record.language
        number = slot_number_of(turn, lang)
        if number is None or record.thread_id is None:
            if turn.retry >= 1:
                record.path.append("goodbye")
                return Prompt(lang).say(self._say("goodbye", lang)).hang_up()
            return self._offer_callback(replace(turn, retry=turn.retry + 1), record, now)
        result, slot = self.callbacks.book(record.thread_id, number, lang)
        if result == "booked" and slot is not None:
            record.path.append("callback_booked")
            self.counter.count(turn.call_sid, "callback_booked", now, record.thread_id)
            when = self._when(slot, lang)
            if not self.store.caller(turn.caller).opted_out:
                body = i18n.say("callbacks.booked", lang, agency=self.settings.agency_name(), when=when)
                self.texts.text(turn.caller, f"ivr-booked:{turn.call_sid}:{slot}", body, now)
            return (
                Prompt(lang)
                .say(self._say("callback_booked", lang, when=when), self._say("goodbye", lang))
                .hang_up()
            )
        if result == "taken":
            record.path.append("callback_taken")
            return self._offer_callback(turn, record, now, intro=self._say("callback_taken", lang))
        if turn.retry >= 1:
            record.path.append("goodbye")
            return Prompt(lang).say(self._say("goodbye", lang)).hang_up()
        return self._offer_callback(replace(turn, retry=turn.retry + 1), record, now)

    # --- words --------------------------------------------------------------------------------------------

    def _menu(self, prompt: Prompt, turn: VoiceTurn, lang: str | None, retry: int = 0) -> Prompt:
        url = action_url(self.settings.voice_url, "menu", turn.turn + 1, retry)
        return prompt.gather(url, [self._say("menu", lang)], hints=i18n.say("voice.speech_hints", lang))

    def _pending_lines(self, profile: CallerProfile, lang: str | None) -> list[str]:
        if profile.thread_id is None:
            return []
        pending = self.pending.pending(profile)
        lines = []
        if pending.callback_at:
            lines.append(self._say("pending_callback", lang, when=self._when(pending.callback_at, lang)))
        if pending.request_digits:
            # Digit by digit: "0 1 2 3" is read as four digits, "0123" as a number.
            lines.append(self._say("pending_request", lang, digits=" ".join(pending.request_digits)))
        if pending.open_conversation:
            lines.append(self._say("pending_conversation", lang))
        return lines

    def _when(self, iso: str, lang: str | None) -> str:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
        return i18n.when(moment, lang, self.settings.time_zone, "weekday_time")

    def _say(self, key: str, lang: str | None, **values: object) -> str:
        return i18n.say(f"voice.{key}", lang, agency=self.settings.agency_name(), **values)


def folded_words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c)).replace("đ", "d")
    return "".join(c if c.isalnum() else " " for c in plain).split()


def _word_list(key: str, lang: str | None) -> list[list[str]]:
    """A catalog list of phrases ("call back, callback") as folded word sequences."""
    return [folded_words(part) for part in i18n.say(key, lang).split(",") if folded_words(part)]


def _says(words: list[str], phrase: list[str]) -> bool:
    return any(words[i : i + len(phrase)] == phrase for i in range(len(words) - len(phrase) + 1))


def choice_of(turn: VoiceTurn, lang: str | None) -> Choice | None:
    """The menu choice of a key press, or of what the caller said (in their language or in English)."""
    if turn.digits:
        return DIGIT_CHOICES.get(turn.digits[0])
    words = folded_words(turn.speech)
    if len(words) == 1 and words[0] in DIGIT_CHOICES:
        return DIGIT_CHOICES[words[0]]
    for choice in ("text", "callback", "alerts", "person"):
        phrases = _word_list(f"voice.speech_{choice}", lang) + _word_list(f"voice.speech_{choice}", "en")
        if any(_says(words, phrase) for phrase in phrases):
            return choice  # type: ignore[return-value]
    return None


def slot_number_of(turn: VoiceTurn, lang: str | None) -> int | None:
    if turn.digits:
        return int(turn.digits[0]) if turn.digits[0].isdigit() and turn.digits[0] != "0" else None
    words = folded_words(turn.speech)
    for word in words:
        if word.isdigit() and word != "0":
            return int(word)
    numbers = [phrase for phrase in _word_list("voice.speech_numbers", lang)]
    for index, phrase in enumerate(numbers, 1):
        if _says(words, phrase):
            return index
    return None
