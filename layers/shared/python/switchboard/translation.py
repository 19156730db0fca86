"""Machine translation, as the product's features see it: one small interface, implementations elsewhere.

Features (the alert composer's "translate for review", conversations) take a `Translator`; the cloud one
(Amazon Translate) and the local stand-in are wired by the application's assembly. A translation is a draft a
person reviews: nothing translated is ever sent without someone confirming it. When translation cannot be had
(turned off, over the monthly cap, throttled, the service down) a translator raises `TranslationUnavailable`,
and the caller carries on with the original text.
"""

from __future__ import annotations

from typing import Protocol


class TranslationUnavailable(Exception):
    """No translation now (off, capped, throttled or failing): use the original text, and say so."""


class Translator(Protocol):
    def translate(self, text: str, source: str, target: str) -> str:
        """`text` from language `source` into `target` (ISO 639-1 codes). Raises TranslationUnavailable."""
        ...
