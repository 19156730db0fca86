"""Real-shaped sample events for tests and local runs: `load_event("apigw/twilio_messages_sms.json")`.

The signed Twilio events are signed for `SAMPLE_CONFIG` (see README.md).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).resolve().parent

# What the samples were made with: set these and the signed samples validate as they are.
SAMPLE_CONFIG = {
    "PUBLIC_API_URL": "https://abc123def4.execute-api.us-east-1.amazonaws.com",
    "account_sid": "AC0123456789abcdef0123456789abcdef",
    "auth_token": "test-auth-token-0123456789abcdef",
}


@cache
def _read(name: str) -> str:
    return (EVENTS_DIR / name).read_text(encoding="utf-8")


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of the named sample, safe to modify."""
    return copy.deepcopy(json.loads(_read(name)))
