"""Request body caps of the HTTP API's functions, checked before a handler reads the body or queues anything
(docs/architecture.md, "Size caps"). API Gateway allows 10 MB and Lambda a 6 MB event: far more than any of
these routes needs, and enough to fill a queue message or a table item with one request."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from switchboard.observability import logger

KIB = 1024
SIGNUP_BODY_BYTES = 8 * KIB  # a phone, up to 20 topic codes, a ZIP or a street address
CHAT_BODY_BYTES = 16 * KIB  # a 1,600-character message with every character JSON-escaped, or a contact form
STAFF_BODY_BYTES = 256 * KIB  # an alert or notice: a text per language (10 x 1,600 characters, escaped)
# The agent API takes subscriber CSV imports (up to 1 MB of CSV, JSON-escaped) and reminder records (≤ 2,000).
AGENT_API_BODY_BYTES = 2 * 1024 * KIB

Handler = TypeVar("Handler", bound=Callable[..., dict[str, Any]])


def body_bytes(body: str | None, is_base64_encoded: bool) -> int:
    """A request body's size in bytes, from its length (base64 carries 3 bytes per 4 characters)."""
    if not body:
        return 0
    return len(body) * 3 // 4 if is_base64_encoded else len(body.encode("utf-8"))


def refuse_bodies_over(max_bytes: int) -> Callable[[Handler], Handler]:
    """A handler decorator: 413 `{"error": "body_too_large", "max_bytes"}` for a bigger body; the handler
    never sees it. Logs the route and the sizes, never the body."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        def capped(event: dict[str, Any], context: Any) -> dict[str, Any]:
            size = body_bytes(event.get("body"), bool(event.get("isBase64Encoded")))
            if size <= max_bytes:
                return handler(event, context)
            logger.warning(
                "Request body over the cap",
                extra={"route": event.get("routeKey"), "body_bytes": size, "max_bytes": max_bytes},
            )
            return {
                "statusCode": 413,
                "headers": {"Content-Type": "application/json"},
                "body": json.dumps(
                    {"error": "body_too_large", "message": "request body too large", "max_bytes": max_bytes}
                ),
                "isBase64Encoded": False,
            }

        return capped  # type: ignore[return-value]

    return decorate
