"""POST /twilio/voice: a call to the agency number, judged like every Twilio webhook (signature over the
configured URL and the action's query string, our account, a well-formed CallSid), then answered with the
IVR's TwiML while Twilio waits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from switchboard.clock import utc_now_iso
from switchboard.twilio_credentials import TwilioCredentials
from voice.models.voice import VoiceTurn

from channels.logic.accept_twilio_post import verified_params
from channels.models.webhooks import OK_TWIML, TwilioPost, WebhookReply, WebhookSpec

VOICE_PATH = "/twilio/voice"
VOICE_CALL = WebhookSpec(
    route_path=VOICE_PATH,
    kind="twilio.voice",
    required_fields=("CallSid", "AccountSid"),
    success=OK_TWIML,
    fifo=False,
    sid_field="CallSid",
)


class VoiceAnswerer(Protocol):
    def answer(self, turn: VoiceTurn, now: str) -> str: ...


def answer_call(
    post: TwilioPost,
    *,
    credentials: Callable[[], TwilioCredentials],
    public_api_url: str,
    ivr: Callable[[], VoiceAnswerer],
    now: Callable[[], str] = utc_now_iso,
) -> WebhookReply:
    params = verified_params(post, VOICE_CALL, credentials=credentials, public_api_url=public_api_url)
    if isinstance(params, WebhookReply):
        return params
    turn = VoiceTurn.from_params(params, post.raw_query_string)
    return WebhookReply(200, ivr().answer(turn, now()), "text/xml")
