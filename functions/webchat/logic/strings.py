"""The widget's words: the `widget` domain of the one message catalog
(switchboard/catalogs/<lang>/widget.json), served to the browser as one JSON object per language.
Adding a language is adding its catalog folder."""

from __future__ import annotations

import json
from functools import cache

from switchboard import i18n

DOMAIN = "widget."


@cache
def languages() -> list[str]:
    """The languages with a widget catalog, English first."""
    return [lang for lang in i18n.languages() if any(key.startswith(DOMAIN) for key in i18n.catalog(lang))]


@cache
def catalog(lang: str) -> str | None:
    """The catalog's JSON text, or None for a language the widget has no catalog for."""
    if lang not in languages():
        return None
    words = {
        key.removeprefix(DOMAIN): text for key, text in i18n.catalog(lang).items() if key.startswith(DOMAIN)
    }
    return json.dumps(words, ensure_ascii=False)
