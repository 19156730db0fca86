"""Tracked links: each http(s) link in an alert's text becomes `{PUBLIC_API_URL}/r/{token}`, whose redirect
counts a click for the alert and goes only to the URL stored for that token (never one taken from the
request: no open redirect)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

# Up to the first space; trailing punctuation ("see https://x.gov/a.") is the sentence's, not the link's.
_LINK = re.compile(r"https?://[^\s<>\"]+")
_TRAILING = ".,;:!?)]}'"
TOKEN = re.compile(r"^[A-Za-z0-9_-]{6,32}$")
MAX_LINKS = 20


def _new_token() -> str:
    return secrets.token_urlsafe(6)


def find_links(text: str) -> list[str]:
    return [match.group(0).rstrip(_TRAILING) for match in _LINK.finditer(text)]


def rewrite_links(
    texts: dict[str, str], redirect_base: str, make_token: Callable[[], str] = _new_token
) -> tuple[dict[str, str], dict[str, str]]:
    """(texts with links rewritten, {token: url}); the same URL gets the same token in every language."""
    tokens: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        url = whole.rstrip(_TRAILING)
        if url not in tokens:
            if len(tokens) >= MAX_LINKS:
                return whole
            tokens[url] = make_token()
        return f"{redirect_base}/r/{tokens[url]}" + whole[len(url) :]

    rewritten = {language: _LINK.sub(replace, text) for language, text in texts.items()}
    return rewritten, {token: url for url, token in tokens.items()}
