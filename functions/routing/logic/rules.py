"""Choosing a new thread's department: routing rules and the resident's language. Pure functions."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from inbox.logic.search_terms import word_terms

from routing.models.routing import RoutingRule

# A handful of very common words per language: enough to tell the languages a US agency hears most often
# apart in a short text. Scripts (Han, Hangul, Cyrillic, Arabic) decide before words do.
_COMMON_WORDS = {
    "en": {"the", "is", "and", "my", "you", "to", "it", "what", "when", "how", "water", "help", "please"},
    "es": {
        "el",
        "la",
        "es",
        "mi",
        "que",
        "por",
        "favor",
        "agua",
        "cuando",
        "como",
        "ayuda",
        "hola",
        "gracias",
        "tengo",
    },
    "fr": {"le", "la", "est", "je", "vous", "mon", "merci", "bonjour", "eau", "aide", "quand", "comment"},
    "pt": {
        "o",
        "a",
        "é",
        "eu",
        "você",
        "meu",
        "obrigado",
        "obrigada",
        "água",
        "ajuda",
        "quando",
        "como",
        "olá",
    },
    "vi": {"tôi", "không", "là", "có", "của", "nước", "giúp", "cảm", "ơn", "xin", "chào"},
}
_SCRIPTS = {"CJK": "zh", "HANGUL": "ko", "CYRILLIC": "ru", "ARABIC": "ar", "HIRAGANA": "ja", "KATAKANA": "ja"}


@dataclass(frozen=True)
class NewThread:
    channel: str
    body: str
    agency_number: str


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's likely language, or None when too little to tell."""
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            for script, language in _SCRIPTS.items():
                if name.startswith(script):
                    return language
    words = [w.casefold() for w in text.split()]
    words = [w.strip(".,;:!?¿¡\"'()") for w in words]
    scores = {language: sum(w in common for w in words) for language, common in _COMMON_WORDS.items()}
    best = max(scores, key=lambda language: scores[language])
    ranked = sorted(scores.values(), reverse=True)
    return best if ranked[0] > 0 and ranked[0] > ranked[1] else None


def choose_department(rules: list[RoutingRule], thread: NewThread, language: str | None) -> str | None:
    words = set(word_terms(thread.body, limit=200))
    for rule in rules:
        if rule.channel and rule.channel != thread.channel:
            continue
        if rule.number and rule.number.removeprefix("whatsapp:") != thread.agency_number.removeprefix(
            "whatsapp:"
        ):
            continue
        if rule.keyword:
            keyword = word_terms(rule.keyword, limit=1)
            if not keyword or keyword[0] not in words:
                continue
        if rule.language and rule.language != language:
            continue
        return rule.department_id
    return None
