"""Re-signing sample Twilio events after a test changes them, as Twilio would have signed them."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from switchboard.twilio_signature import compute_signature, parse_form_body

from events import SAMPLE_CONFIG, load_event

Pairs = list[tuple[str, str]]


def form_pairs(event: dict[str, Any]) -> Pairs:
    return list(parse_form_body(event["body"], event["isBase64Encoded"]).pairs)


def signed_twilio_event(
    name: str,
    change: Callable[[Pairs], Pairs] = lambda pairs: pairs,
    *,
    token: str = SAMPLE_CONFIG["auth_token"],
) -> dict[str, Any]:
    event = load_event(name)
    body = urlencode(change(form_pairs(event)))
    event["body"] = base64.b64encode(body.encode("utf-8")).decode("ascii")
    return sign(event, token=token)


def sign(event: dict[str, Any], *, token: str = SAMPLE_CONFIG["auth_token"]) -> dict[str, Any]:
    """Sign the event's body over PUBLIC_API_URL + its rawPath, as Twilio does."""
    url = SAMPLE_CONFIG["PUBLIC_API_URL"] + event["rawPath"]
    form = parse_form_body(event["body"], event["isBase64Encoded"])
    event["headers"]["x-twilio-signature"] = compute_signature(token, url, form)
    return event


def replace(name: str, value: str) -> Callable[[Pairs], Pairs]:
    return lambda pairs: [(key, value if key == name else old) for key, old in pairs]


def without(name: str) -> Callable[[Pairs], Pairs]:
    return lambda pairs: [(key, value) for key, value in pairs if key != name]
