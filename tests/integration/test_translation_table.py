"""Translation's items on DynamoDB (moto), where the rules live in condition expressions: the monthly cap is
checked in the same write that counts, a detected language never replaces a stored one, staff override it,
and a translation is found again by its message (issue 20)."""

from __future__ import annotations

from switchboard.table_keys import THREAD_META_SK, thread_pk
from translation.dal.translation_table import TranslationTable
from translation.logic.conversation import MeteredTranslator, translate_inbound, translations_of_thread
from translation.models.translation import TranslationSettings

from tests.integration.conftest import Aws
from tests.unit.test_translation import SPANISH, ScriptedTranslator

NOW = "2026-12-07T12:00:00.000000Z"


def a_thread(aws: Aws, thread_id: str = "t1", **fields: str) -> None:
    aws.table.put_item(
        Item={"pk": thread_pk(thread_id), "sk": THREAD_META_SK, "thread_id": thread_id, **fields}
    )


def test_the_cap_is_checked_in_the_write_that_counts(aws: Aws) -> None:
    table = TranslationTable(aws.table)
    assert table.reserve("2026-12", 60, cap=100)
    assert table.reserve("2026-12", 40, cap=100)  # exactly at the cap
    assert not table.reserve("2026-12", 1, cap=100)
    assert table.usage("2026-12") == 100
    table.release("2026-12", 40)
    assert table.usage("2026-12") == 60
    assert not table.reserve("2026-11", 101, cap=100)  # one text larger than the cap
    assert table.usage("2026-11") == 0 and table.usage("2027-01") == 0


def test_a_detected_language_never_replaces_a_stored_one_and_staff_override_it(aws: Aws) -> None:
    table = TranslationTable(aws.table)
    a_thread(aws, "t1")
    a_thread(aws, "t2", language="vi")
    table.keep_detected_language("t1", "es")
    table.keep_detected_language("t2", "es")
    assert table.thread_language("t1") == ("es", "detected")
    assert table.thread_language("t2") == ("vi", "detected")  # routing stored it: kept
    assert table.set_language("t1", "zh")
    table.keep_detected_language("t1", "es")
    assert table.thread_language("t1") == ("zh", "staff")
    assert not table.set_language("nope", "es") and table.thread_language("nope") is None


def test_settings_default_and_saved(aws: Aws) -> None:
    table = TranslationTable(aws.table)
    assert table.settings() == TranslationSettings(
        enabled=True, monthly_char_cap=2_000_000, agent_language="en"
    )
    table.save_settings(
        TranslationSettings(enabled=False, monthly_char_cap=5000, agent_language="es"), "sub", NOW
    )
    assert table.settings() == TranslationSettings(enabled=False, monthly_char_cap=5000, agent_language="es")


def test_a_failed_translation_is_kept_marked_and_translated_on_the_next_view(aws: Aws) -> None:
    table = TranslationTable(aws.table)
    a_thread(aws, "t1", language="es")
    translator = ScriptedTranslator("throttled")
    metered = MeteredTranslator(translator, table, month=lambda: "2026-12")
    sk = "MSG#2026-12-07T11:00:00.000000Z#m1"
    first = translate_inbound(
        table, metered, thread_id="t1", message_sk=sk, message_id="m1", body=SPANISH, now=NOW
    )
    assert first is not None and (first.status, first.reason) == ("not_translated", "throttled")
    assert table.usage("2026-12") == 0
    # Nothing in the thread's own partition but the thread: the inbox never sees translation items.
    items = aws.table.scan()["Items"]
    assert {i["pk"] for i in items if str(i["sk"]).startswith("MSG#")} == set()
    view = translations_of_thread(table, metered, "t1", NOW)
    assert [(t.message_id, t.status, t.text) for t in view.translations] == [
        ("m1", "translated", f"en: {SPANISH}")
    ]
    assert table.get_translation("t1", sk) == view.translations[0]
    assert table.usage("2026-12") == len(SPANISH)
