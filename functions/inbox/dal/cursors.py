"""Opaque page cursors: DynamoDB's LastEvaluatedKey as URL-safe base64 JSON, checked on the way back in."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Collection, Mapping
from typing import Any

from inbox.models.errors import InvalidCursor

_MAX_CURSOR_LENGTH = 1024


def encode_cursor(last_evaluated_key: Mapping[str, Any] | None) -> str | None:
    if not last_evaluated_key:
        return None
    # ensure_ascii=False: \uXXXX escapes would make a key of non-BMP characters outgrow _MAX_CURSOR_LENGTH.
    raw = json.dumps(
        dict(last_evaluated_key), separators=(",", ":"), sort_keys=True, ensure_ascii=False
    ).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(
    cursor: str | None, *, keys: Collection[str], fixed: Mapping[str, str] | None = None
) -> dict[str, str] | None:
    """The start key a cursor stands for; InvalidCursor unless it has exactly `keys` and matches `fixed`.

    `fixed` pins the partition (e.g. this thread): a cursor from elsewhere cannot steer the query.
    """
    if not cursor:
        return None
    if len(cursor) > _MAX_CURSOR_LENGTH:
        raise InvalidCursor("cursor too long")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError) as error:
        raise InvalidCursor("cursor is not valid") from error
    if (
        not isinstance(decoded, dict)
        or set(decoded) != set(keys)
        or not all(isinstance(value, str) for value in decoded.values())
        or any(decoded.get(name) != value for name, value in (fixed or {}).items())
    ):
        raise InvalidCursor("cursor is not valid")
    return decoded
