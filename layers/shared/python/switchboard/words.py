"""A resident's text read word by word, the way carriers compare keywords: shared by every keyword step of the
inbound pipeline (consent, sign-up confirmation, callbacks, reminders), so each reads words identically."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# A keyword message is short: "CALLBACK CANCEL", "STOP WATER PLEASE". Longer texts are messages for staff.
MAX_KEYWORD_WORDS = 4


@dataclass(frozen=True)
class OtherKeyword:
    """A first word that a part of the product reacts to (e.g. CALLBACK), and the words after it."""

    keyword: str
    rest: tuple[str, ...]


def words_of(body: str) -> tuple[str, ...]:
    """The message as carriers compare it: compatibility-normalized (full-width letters become ASCII),
    upper case, accents dropped ("sí" and "SI" are one keyword), every run of punctuation or whitespace one
    separator."""
    text = unicodedata.normalize("NFKD", body)
    text = unicodedata.normalize("NFKC", "".join(ch for ch in text if not unicodedata.combining(ch))).upper()
    text = text.replace("\u0110", "D")  # Vietnamese Đ has no decomposition: "ĐĂNG KÝ" is typed "DANG KY" too
    cleaned = "".join(ch if ch.isalnum() else " " for ch in text)
    return tuple(cleaned.split())


def first_keyword(body: str) -> OtherKeyword | None:
    """The first word and the rest; None for an empty text or one too long to be a keyword."""
    words = words_of(body)
    if not words or len(words) > MAX_KEYWORD_WORDS:
        return None
    return OtherKeyword(words[0], words[1:])
