"""The widget's words: one JSON catalog per language in webchat/i18n/ (adding a language is adding a file)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

I18N = Path(__file__).resolve().parent.parent / "i18n"


@cache
def languages() -> list[str]:
    return sorted(path.stem for path in I18N.glob("*.json"))


def catalog(lang: str) -> str | None:
    """The catalog's JSON text, or None for a language the widget has no catalog for."""
    if lang not in languages():
        return None
    return (I18N / f"{lang}.json").read_text(encoding="utf-8")
