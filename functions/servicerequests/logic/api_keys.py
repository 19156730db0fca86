"""Open311 API keys the agency issues to city systems and partners: shown once, kept only as a hash.

A key reads `sb311_{key_id}_{secret}`: the id finds the key with one GetItem, the secret is compared with its
SHA-256 in constant time. The secret has 256 bits of entropy, so a plain hash is enough (no slow KDF needed:
nobody can guess it, and a stolen table yields no usable key).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from servicerequests.dal.requests_table import KeysTable

KEY_FORMAT = re.compile(r"^sb311_([a-f0-9]{16})_([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    api_key: str  # the only time it exists outside the caller's hands


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(keys: KeysTable, *, name: str, at: str, by: str) -> IssuedKey:
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    keys.add(key_id, name=name, secret_hash=_hash(secret), at=at, by=by)
    return IssuedKey(key_id=key_id, api_key=f"sb311_{key_id}_{secret}")


def verify(keys: KeysTable, api_key: str | None) -> str | None:
    """The key's id when `api_key` is a live key of this agency; None if unknown, revoked or garbled."""
    match = KEY_FORMAT.match(api_key or "")
    if match is None:
        return None
    key_id, secret = match.groups()
    item = keys.get(key_id)
    if item is None or item.get("revoked_at"):
        return None
    return key_id if hmac.compare_digest(str(item["secret_hash"]), _hash(secret)) else None
