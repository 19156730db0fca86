"""Search terms: what a message, a resident's name or a phone number is findable by (docs/architecture.md,
"The inbox at crisis scale"). Pure functions; the table writes one posting item per term.

Words are case- and accent-folded, split on anything that is not a letter or digit, and kept if they have at
least two characters and are not among the commonest English and Spanish words (those would make posting
lists as long as the table and find nothing in particular). A message contributes at most MAX_TERMS terms.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TERMS = 24
MAX_TERM_LENGTH = 40
MIN_PHONE_DIGITS = 4
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP_WORDS = frozenset(
    """a an and are as at be but by for from has have he her his i if in is it its me my no not of on or our
    she so that the their them there they this to was we were what when where which who will with you your
    de del el en es la las los lo por que se un una y""".split()
)
PHONE_CHARS = re.compile(r"^[\d\s()+.\-]+$")


def fold(text: str) -> str:
    # Decompose first: compatibility forms (𝐀, ﬁ) become plain letters that casefold can then lower.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def word_terms(text: str, limit: int = MAX_TERMS) -> list[str]:
    """Distinct search words of `text`, in order of first appearance, at most `limit`."""
    seen: dict[str, None] = {}
    for match in _WORD.finditer(fold(text)):
        word = match.group(0)[:MAX_TERM_LENGTH]
        if len(word) >= 2 and word not in _STOP_WORDS and word not in seen:
            seen[word] = None
            if len(seen) == limit:
                break
    return list(seen)


def name_terms(name: str) -> list[str]:
    return [f"name:{word}" for word in word_terms(name, limit=6)]


def digits_of(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def phone_term(address: str) -> str | None:
    """`tel:` + the last four digits of an address: finds a resident by the end of their number."""
    digits = digits_of(address)
    return f"tel:{digits[-MIN_PHONE_DIGITS:]}" if len(digits) >= MIN_PHONE_DIGITS else None


def looks_like_phone(query: str) -> bool:
    return bool(PHONE_CHARS.match(query.strip())) and len(digits_of(query)) >= MIN_PHONE_DIGITS


def phone_candidates(query: str) -> list[str]:
    """Stored addresses a typed number may be: as typed in E.164, with a North American +1, on WhatsApp."""
    digits = digits_of(query)
    numbers = {f"+{digits}"}
    if len(digits) == 10:
        numbers.add(f"+1{digits}")
    return sorted(numbers | {f"whatsapp:{number}" for number in numbers})
