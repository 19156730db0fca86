"""TwiML for each point of the IVR, in the caller's language (`<Say language=...>`, speech recognised in it).

Every prompt that waits for the caller is a `<Gather input="dtmf speech">` whose action comes back to the
webhook with the next turn number, and `actionOnEmptyResult` so silence comes back too (and is re-prompted
once, then the call is ended politely)."""

from __future__ import annotations

from collections.abc import Sequence

from switchboard import i18n
from twilio.twiml.voice_response import Gather, VoiceResponse

GATHER_TIMEOUT_S = 5
DIAL_TIMEOUT_S = 20


def voice_language(lang: str | None) -> str:
    """Twilio's language tag for a catalog language ('es' -> 'es-US')."""
    return i18n.say("voice.say_language", lang)


def action_url(base_url: str, step: str, turn: int, retry: int = 0) -> str:
    return f"{base_url}?step={step}&n={turn}&r={retry}"


class Prompt:
    """One answer being built: sentences said, then at most one way on (gather, dial or hang up)."""

    def __init__(self, lang: str | None) -> None:
        self.lang = lang
        self.response = VoiceResponse()
        self._tag = voice_language(lang)

    def say(self, *sentences: str) -> Prompt:
        for sentence in sentences:
            if sentence:
                self.response.say(sentence, language=self._tag)
        return self

    def gather(self, url: str, sentences: Sequence[str], hints: str = "") -> Prompt:
        gather = Gather(
            input="dtmf speech",
            action=url,
            method="POST",
            num_digits=1,
            timeout=GATHER_TIMEOUT_S,
            speech_timeout="auto",
            language=self._tag,
            action_on_empty_result=True,
            **({"hints": hints} if hints else {}),
        )
        for sentence in sentences:
            gather.say(sentence, language=self._tag)
        self.response.append(gather)
        return self

    def dial(self, number: str, url: str, caller_id: str) -> Prompt:
        self.response.dial(
            number,
            action=url,
            method="POST",
            timeout=DIAL_TIMEOUT_S,
            **({"caller_id": caller_id} if caller_id else {}),
        )
        return self

    def hang_up(self) -> Prompt:
        self.response.hangup()
        return self

    def pause_and_redirect(self, url: str) -> Prompt:
        self.response.pause(length=1)
        self.response.redirect(url, method="POST")
        return self

    def xml(self) -> str:
        return str(self.response)
