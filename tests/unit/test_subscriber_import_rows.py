"""Parsing an import file (pure): per-row errors name the row and field, never the content; limits hold."""

from __future__ import annotations

import pytest
from inbox.models.consent import Topic
from subscriptions.logic.subscriber_import import MAX_ROWS, ImportTooLarge, MissingColumns, parse_rows

TOPICS = [Topic("WATER", "Water service"), Topic("STORM", "Storm warnings")]


def test_good_rows_are_normalized_and_bad_rows_are_named_without_their_content() -> None:
    text = (
        "\ufeffPhone,Topics,ZIP,Language,Consent_Date\n"
        "(555) 555-0101,water storm,94110,ES,2026-11-02\n"
        "\n"
        "call me maybe,WATER,,,\n"
        "+15555550105,FIREWORKS,,,\n"
        "+15555550106,WATER,9411,,\n"
        "+15555550107,WATER,,,2999-01-01\n"
    )
    rows, errors = parse_rows(text, TOPICS)
    assert [(r.number, r.address, r.topics, r.zip_code, r.language, r.consent_date) for r in rows] == [
        (2, "+15555550101", ("STORM", "WATER"), "94110", "es", "2026-11-02")
    ]
    assert [(e["row"], e["field"]) for e in errors] == [
        (4, "phone"),
        (5, "topics"),
        (6, "zip"),
        (7, "consent_date"),
    ]
    assert not any("555" in str(e["message"]) or "maybe" in str(e["message"]) for e in errors)


def test_a_file_without_the_required_columns_is_refused() -> None:
    with pytest.raises(MissingColumns):
        parse_rows("number,topics\n+15555550101,WATER\n", TOPICS)


def test_a_file_past_the_row_limit_is_refused() -> None:
    text = "phone,topics\n" + "+15555550101,WATER\n" * (MAX_ROWS + 1)
    with pytest.raises(ImportTooLarge):
        parse_rows(text, TOPICS)
