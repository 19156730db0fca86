"""The message catalogs: complete in every language, and the one way a resident's words are looked up."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from switchboard import i18n

LOCALE_PARTS = {"weekday", "day", "month", "year", "hour12", "hour24", "minute", "ampm", "date", "time"}


def test_english_and_spanish_are_there():
    assert i18n.languages()[0] == "en"
    assert "es" in i18n.languages()


@pytest.mark.parametrize("lang", i18n.languages())
def test_every_catalog_has_every_key_english_has_and_no_other(lang):
    english, other = set(i18n.catalog("en")), set(i18n.catalog(lang))
    assert sorted(english - other) == [], f"{lang} lacks these keys"
    assert sorted(other - english) == [], f"{lang} has keys English lacks"


@pytest.mark.parametrize("lang", i18n.languages())
def test_every_text_names_the_same_fields_as_english(lang):
    english = i18n.catalog("en")
    for key, text in i18n.catalog(lang).items():
        if key.startswith("locale."):
            assert i18n.fields(text) <= LOCALE_PARTS, key
        else:
            assert i18n.fields(text) == i18n.fields(english[key]), f"{lang} {key}"


@pytest.mark.parametrize("lang", i18n.languages())
def test_every_catalog_file_is_a_flat_object_of_nonempty_strings(lang):
    for path in (i18n.CATALOGS / lang).glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        assert all(isinstance(text, str) and text.strip() for text in data.values()), path.name


def test_a_missing_key_in_another_language_is_caught(tmp_path, monkeypatch):
    for lang, body in (("en", {"a": "A {x}", "b": "B"}), ("xx", {"a": "Á {x}"})):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "demo.json").write_text(json.dumps(body), encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGS", tmp_path)
    i18n.languages.cache_clear()
    i18n.catalog.cache_clear()
    try:
        assert i18n.languages() == ("en", "xx")
        assert set(i18n.catalog("en")) - set(i18n.catalog("xx")) == {"demo.b"}
        # ...and the resident still gets English rather than nothing.
        assert i18n.say("demo.b", "xx") == "B"
        assert i18n.say("demo.a", "xx", x=1) == "Á 1"
    finally:
        i18n.languages.cache_clear()
        i18n.catalog.cache_clear()


def test_say_fills_fields_and_refuses_a_missing_one():
    assert i18n.say("locale.weekday_time", "en", weekday="Tuesday", time="2:30 PM") == "Tuesday at 2:30 PM"
    with pytest.raises(KeyError, match="time"):
        i18n.say("locale.weekday_time", "en", weekday="Tuesday")
    with pytest.raises(KeyError):
        i18n.say("locale.no_such_key", "en")


@pytest.mark.parametrize(
    ("stored", "expected"),
    [("es", "es"), ("es-MX", "es"), ("ES", "es"), ("es_US", "es"), (None, "en"), ("", "en"), ("xx", "en")],
)
def test_stored_languages_map_to_a_catalog(stored, expected):
    assert i18n.supported(stored) == expected


def test_dates_and_times_in_the_readers_words_and_the_agency_zone():
    moment = datetime(2026, 3, 3, 19, 30, tzinfo=UTC)  # 14:30 in New York (EST)
    assert i18n.when(moment, "en", "America/New_York") == "Tuesday, March 3 at 2:30 PM"
    assert i18n.when(moment, "es", "America/New_York") == "martes 3 de marzo, 14:30"
    assert i18n.when(moment, "es", "America/New_York", "weekday_time") == "martes a las 14:30"
    assert i18n.when(moment, "en", "America/Los_Angeles", "time") == "11:30 AM"
    assert i18n.when(datetime(2026, 3, 3, 5, 5, tzinfo=UTC), "en", "UTC", "time") == "5:05 AM"
    assert i18n.when(datetime(2026, 3, 3, 0, 5, tzinfo=UTC), "en", "UTC", "time") == "12:05 AM"
    with pytest.raises(ValueError, match="aware"):
        i18n.when(datetime(2026, 3, 3, 5, 5), "en", "UTC")  # noqa: DTZ001 - the naive value is the point


def test_flow_keywords_in_every_language_read_as_the_words_step_reads_a_text():
    callback = i18n.keyword_words("callback")
    assert callback["CALLBACK"] == "en" and callback["LLAMADA"] == "es" and callback["GOI"] == "vi"
    assert {"DONE", "LISTO", "HECHO", "XONG"} <= set(i18n.keyword_words("done"))
    assert i18n.keyword_words("no_such_key") == {}
