"""Every word a resident reads, in their language: one mechanism for every domain.

Catalogs are JSON files, one per language and domain: ``switchboard/catalogs/<lang>/<domain>.json``, each a
flat object of ``"key": "text"``. A message is named ``"<domain>.<key>"`` (``"consent.stop_all"``). Texts use
``str.format`` fields (``"{agency}: You are subscribed to {topic} alerts."``); every field a text names must
be given, so a missing value fails loudly in tests instead of reaching a resident as ``{topic}``.

Adding a language is adding a folder of files: `languages()` lists what is on disk, and the completeness test
(tests/unit/test_i18n_catalogs.py) fails when one catalog lacks a key another has or uses other fields.
A language without a catalog, or a key missing from one, falls back to English, so nothing ever goes unsent.

Dates and times are written from the ``locale`` domain of each catalog (weekday and month names, the order of
the parts, 12 or 24 hours), always in a time zone the caller passes (the agency's or the resident's), never
UTC by accident: `when(moment, lang, zone)`.
"""

from __future__ import annotations

import json
import string
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

CATALOGS = Path(__file__).with_name("catalogs")
DEFAULT = "en"

Style = Literal["datetime", "date", "time", "day", "weekday_time"]


class CatalogError(ValueError):
    """A catalog file that is not a flat JSON object of strings."""


@cache
def languages() -> tuple[str, ...]:
    """The languages with a catalog, English first."""
    found = sorted(path.name for path in CATALOGS.iterdir() if path.is_dir() and any(path.glob("*.json")))
    return tuple(sorted(found, key=lambda lang: (lang != DEFAULT, lang)))


def supported(lang: str | None) -> str:
    """The catalog language for a stored one: 'es-MX' and 'ES' -> 'es'; unknown or None -> 'en'."""
    if not lang:
        return DEFAULT
    base = lang.strip().replace("_", "-").split("-")[0].lower()
    return base if base in languages() else DEFAULT


@cache
def catalog(lang: str) -> dict[str, str]:
    """Every message of one language, keyed '<domain>.<key>'. Empty for a language with no folder."""
    folder = CATALOGS / lang
    messages: dict[str, str] = {}
    if not folder.is_dir():
        return messages
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise CatalogError(f"{path.name} in {lang}: not a JSON object")
        for key, text in data.items():
            if not isinstance(text, str):
                raise CatalogError(f"{lang}/{path.name}: {key} is not a string")
            messages[f"{path.stem}.{key}"] = text
    return messages


def fields(text: str) -> frozenset[str]:
    """The format fields a text names: '{agency}: {topic}' -> {'agency', 'topic'}."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


def text_of(key: str, lang: str | None) -> tuple[str, str]:
    """(raw text, its language): the resident's language, else English. KeyError if neither has it."""
    chosen = supported(lang)
    messages = catalog(chosen)
    if key in messages:
        return messages[key], chosen
    return catalog(DEFAULT)[key], DEFAULT


def say(key: str, lang: str | None, /, **values: object) -> str:
    """The message `key` in `lang` (falling back to English) with its fields filled in.

    Raises KeyError for an unknown key or a field the text names but the caller did not give.
    """
    text, _ = text_of(key, lang)
    missing = fields(text) - values.keys()
    if missing:
        raise KeyError(f"{key}: no value for {sorted(missing)}")
    return text.format(**values)


@cache
def keyword_words(key: str) -> dict[str, str]:
    """The one-word keywords `keywords.<key>` names in every language, as switchboard.words reads a text
    (upper case, accents dropped): word -> its language, English first ("CALLBACK" en, "LLAMADA" es)."""
    from switchboard.words import words_of

    found: dict[str, str] = {}
    for lang in languages():
        for part in catalog(lang).get(f"keywords.{key}", "").split(","):
            words = words_of(part)
            if len(words) == 1:
                found.setdefault(words[0], lang)
    return found


def has(key: str, lang: str | None = DEFAULT) -> bool:
    return key in catalog(supported(lang))


def _hour12(hour: int) -> int:
    return hour % 12 or 12


def when(moment: datetime, lang: str | None, zone: str | ZoneInfo, style: Style = "datetime") -> str:
    """A moment as a resident reads it, in `zone`.

    en 'Tuesday, March 3 at 2:30 PM', es 'martes 3 de marzo, 14:30'.
    """
    if moment.tzinfo is None:
        raise ValueError("when() needs an aware datetime")
    local = moment.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone))
    parts = {
        "weekday": say(f"locale.weekday_{local.weekday()}", lang),
        "day": local.day,
        "month": say(f"locale.month_{local.month}", lang),
        "year": local.year,
        "hour12": _hour12(local.hour),
        "hour24": f"{local.hour:02d}",
        "minute": f"{local.minute:02d}",
        "ampm": say("locale.am" if local.hour < 12 else "locale.pm", lang),
    }
    time_text = say("locale.time", lang, **_only(parts, "locale.time", lang))
    date_text = say("locale.date", lang, **_only(parts, "locale.date", lang))
    if style == "time":
        return time_text
    if style == "date":
        return date_text
    if style == "day":
        return parts["weekday"]  # type: ignore[return-value]
    key = "locale.weekday_time" if style == "weekday_time" else "locale.datetime"
    return say(key, lang, weekday=parts["weekday"], date=date_text, time=time_text)


def _only(parts: dict[str, object], key: str, lang: str | None) -> dict[str, object]:
    wanted = fields(text_of(key, lang)[0])
    return {name: value for name, value in parts.items() if name in wanted}


def domain(name: str, lang: str | None) -> dict[str, str]:
    """Every text of one domain (a page's or the widget's words), keyed without the domain, in `lang` with
    English for any key its catalog lacks: what a browser is sent to fill a page with."""
    prefix = f"{name}."
    chosen = supported(lang)
    words = {
        key.removeprefix(prefix): text for key, text in catalog(DEFAULT).items() if key.startswith(prefix)
    }
    words.update(
        {key.removeprefix(prefix): text for key, text in catalog(chosen).items() if key.startswith(prefix)}
    )
    return words
