"""Resident session tokens: no sign-up, an expiring HMAC-signed token the widget keeps in localStorage.

`v1.{session_id}.{expires_epoch}.{signature}`: the signature is HMAC-SHA256 over the first three parts with a
key kept in Secrets Manager. Nothing is stored to check a token, so a forged or expired one costs no read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

TOKEN_VERSION = "v1"  # noqa: S105 - a format tag, not a secret
SESSION_TTL_S = 7 * 24 * 3600
_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


class InvalidToken(Exception):
    """Missing, malformed, forged or expired: the widget starts a new session."""


@dataclass(frozen=True)
class SessionToken:
    session_id: str
    expires_at: int  # epoch seconds
    token: str


def new_session_id() -> str:
    return secrets.token_hex(16)


def _signature(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_token(key: bytes, session_id: str, now: int, ttl_s: int = SESSION_TTL_S) -> SessionToken:
    if not _SESSION_ID.match(session_id):
        raise ValueError("session ids are 32 lower-case hex characters")
    expires_at = now + ttl_s
    payload = f"{TOKEN_VERSION}.{session_id}.{expires_at}"
    return SessionToken(session_id, expires_at, f"{payload}.{_signature(key, payload)}")


def verify_token(key: bytes, token: str | None, now: int) -> SessionToken:
    if not token or len(token) > 200:
        raise InvalidToken("no token")
    parts = token.split(".")
    if (
        len(parts) != 4
        or parts[0] != TOKEN_VERSION
        or not _SESSION_ID.match(parts[1])
        or not parts[2].isdigit()
    ):
        raise InvalidToken("malformed token")
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(_signature(key, payload), parts[3]):
        raise InvalidToken("bad signature")
    expires_at = int(parts[2])
    if expires_at <= now:
        raise InvalidToken("expired")
    return SessionToken(parts[1], expires_at, token)
