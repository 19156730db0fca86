"""Places calls with the real twilio SDK (`calls.create`), locally aimed at the Twilio-compatible endpoint."""

from __future__ import annotations

from collections.abc import Callable

import requests
from switchboard.observability import logger
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from calls.logic.click_to_call import RING_TIMEOUT_SECONDS, STATUS_EVENTS, DialFailed


class TwilioDialer:
    def __init__(self, client: Callable[[], Client]) -> None:
        self._client = client  # built on first use: the secret is read only when someone calls

    def ring(self, *, to: str, caller_id: str, twiml: str, status_callback: str) -> str:
        try:
            call = self._client().calls.create(
                to=to,
                from_=caller_id,
                twiml=twiml,
                timeout=RING_TIMEOUT_SECONDS,
                status_callback=status_callback,
                status_callback_event=list(STATUS_EVENTS),
                status_callback_method="POST",
            )
        except TwilioRestException as error:
            logger.warning(
                "Twilio refused the call", extra={"twilio_status": error.status, "twilio_code": error.code}
            )
            raise DialFailed(f"twilio error {error.code}") from None
        except (requests.RequestException, TwilioException):
            logger.warning("Twilio could not be reached to place a call")
            raise DialFailed("twilio unreachable") from None
        return str(call.sid)
