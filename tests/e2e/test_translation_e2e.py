"""Two-way translation on the local stack (issue 20 items 4-6), with the Translate-compatible stand-in
(infra/local/translate_fake.py) behind the real boto3 client: a resident's Spanish text is kept translated
beside the original; a throttled or failed translation leaves the message delivered and marked, and the next
view translates it; the agent previews a reply in the resident's language and sends it; keywords and short
texts are never translated; staff override the thread's language; the off switch and the usage count."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import boto3
import pytest
import requests

from infra.local.stack import REGION
from tests.e2e.test_agent_browser import resident_number, resident_texts
from tests.e2e.test_inbox_browser import staff_api

pytestmark = [pytest.mark.e2e]
T = TypeVar("T")

WATER = "Hola, no tengo agua en mi casa desde ayer por la tarde"
TRASH = "La basura de mi calle no se ha recogido en dos semanas"


def eventually(probe: Callable[[], T | None], timeout: float = 20) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("not seen in time")


def thread_of(local_stack: Any, address: str) -> str:
    table = boto3.resource("dynamodb", endpoint_url=local_stack.moto_url, region_name=REGION).Table(
        local_stack.outputs["TableName"]
    )

    def probe() -> str | None:
        item = table.get_item(Key={"pk": f"ADDR#{address}", "sk": "RESIDENT"}).get("Item")
        return str(item["thread_id"]) if item else None

    return eventually(probe)


def translations(staff: requests.Session, thread_id: str) -> dict[str, Any]:
    """The thread's translations; none while the thread is not stored yet (see `messages_of`)."""
    answer = staff.get(f"{staff.base}/api/threads/{thread_id}/translations", timeout=10)  # type: ignore[attr-defined]
    if answer.status_code == 404 and answer.json().get("message") == "thread not found":
        return {"translations": []}
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def record_for(staff: requests.Session, thread_id: str, original: str) -> Callable[[], dict[str, Any] | None]:
    def probe() -> dict[str, Any] | None:
        found = [t for t in translations(staff, thread_id)["translations"] if t["original"] == original]
        return found[0] if found else None

    return probe


def messages_of(staff: requests.Session, thread_id: str) -> list[dict[str, Any]]:
    """The thread's messages; [] while the thread is not stored yet (the resident's pointer to a new thread
    is written just before the store's transaction, so `thread_of` can find it a moment before)."""
    answer = staff.get(f"{staff.base}/api/threads/{thread_id}", timeout=10)  # type: ignore[attr-defined]
    if answer.status_code == 404:
        return []
    assert answer.status_code == 200, answer.text
    return list(answer.json()["messages"])


@pytest.fixture
def staff(local_stack: Any) -> requests.Session:
    return staff_api(local_stack)


def test_a_spanish_text_is_kept_translated_by_the_stand_in_and_marked_as_such(local_stack, staff) -> None:
    address = resident_number()
    resident_texts(local_stack, address, WATER)
    thread_id = thread_of(local_stack, address)
    record = eventually(record_for(staff, thread_id, WATER))
    assert record["status"] == "translated" and record["direction"] == "in"
    assert (record["original_language"], record["language"]) == ("es", "en")
    assert record["stand_in"] is True and record["provider"] == "stand-in"
    assert record["text"].startswith("[stand-in es→en] Hello, no I have water in my house")
    view = translations(staff, thread_id)
    assert (view["language"], view["language_set_by"], view["agent_language"]) == ("es", "detected", "en")
    # The message itself is the resident's words, untouched.
    assert [m["body"] for m in messages_of(staff, thread_id)] == [WATER]


def test_short_texts_and_keywords_are_not_translated(local_stack, staff) -> None:
    address = resident_number()
    resident_texts(local_stack, address, WATER)
    thread_id = thread_of(local_stack, address)
    eventually(record_for(staff, thread_id, WATER))
    resident_texts(local_stack, address, "sí, gracias")
    resident_texts(local_stack, address, "HELP")
    eventually(lambda: len(messages_of(staff, thread_id)) >= 3 or None)
    eventually(lambda: local_stack.twilio.messages_to(address))  # HELP was answered by its keyword step
    time.sleep(1.0)  # the pipeline's later steps have run for both
    assert [t["original"] for t in translations(staff, thread_id)["translations"]] == [WATER]


@pytest.mark.parametrize(("mode", "reason"), [("throttle", "throttled"), ("fail", "failed")])
def test_a_throttled_or_failed_translation_delivers_the_original_and_is_retried(
    local_stack, staff, mode: str, reason: str
) -> None:
    address = resident_number()
    local_stack.translate.fail_next(mode, 1)
    resident_texts(local_stack, address, TRASH)
    thread_id = thread_of(local_stack, address)
    # The message reached the agent page at once, in the resident's words.
    assert [m["body"] for m in eventually(lambda: messages_of(staff, thread_id))] == [TRASH]
    table = boto3.resource("dynamodb", endpoint_url=local_stack.moto_url, region_name=REGION).Table(
        local_stack.outputs["TableName"]
    )
    stored = eventually(
        lambda: table.query(
            KeyConditionExpression=boto3.dynamodb.conditions.Key("pk").eq(f"TRANSLATION#{thread_id}")
        ).get("Items")
    )
    assert (stored[0]["status"], stored[0]["reason"]) == ("not_translated", reason)
    # The next view tries again, and the stand-in answers this time.
    retried = record_for(staff, thread_id, TRASH)()
    assert retried is not None and retried["status"] == "translated" and int(retried["attempts"]) == 2
    assert retried["text"].startswith("[stand-in es→en] The trash of my street")


def test_the_agent_previews_and_sends_a_reply_in_the_residents_language(local_stack, staff) -> None:
    base = staff.base  # type: ignore[attr-defined]
    address = resident_number()
    resident_texts(local_stack, address, WATER)
    thread_id = thread_of(local_stack, address)
    eventually(record_for(staff, thread_id, WATER))
    reply = "Hello, we will send a crew today"
    preview = staff.post(
        f"{base}/api/threads/{thread_id}/translation-preview", json={"body": reply}, timeout=10
    )
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert (shown["status"], shown["language"], shown["stand_in"]) == ("translated", "es", True)
    assert shown["translation"] == "[stand-in en→es] Hola, nosotros vamos a enviar un equipo hoy"
    assert shown["original_segments"] == {
        "encoding": "GSM-7",
        "segments": 1,
        "characters": 32,
        "forced_by": [],
    }
    # "→" in the stand-in's mark is outside GSM-7: the preview names it.
    assert shown["translation_segments"]["encoding"] == "UCS-2" and shown["translation_segments"][
        "forced_by"
    ] == ["→"]
    sent = staff.post(
        f"{base}/api/threads/{thread_id}/translated-replies",
        json={
            "body": reply,
            "translation": shown["translation"],
            "language": "es",
            "provider": shown["provider"],
            "stand_in": True,
        },
        timeout=10,
    )
    assert sent.status_code == 202, sent.text
    received = eventually(lambda: [m["body"] for m in local_stack.twilio.messages_to(address)])
    assert received == [shown["translation"]]
    outbound = record_for(staff, thread_id, reply)()
    assert (
        outbound is not None and outbound["direction"] == "out" and outbound["text"] == shown["translation"]
    )
    assert outbound["message_id"] == sent.json()["message"]["message_id"]


def test_a_throttled_preview_sends_nothing_and_says_so(local_stack, staff) -> None:
    base = staff.base  # type: ignore[attr-defined]
    address = resident_number()
    resident_texts(local_stack, address, WATER)
    thread_id = thread_of(local_stack, address)
    eventually(record_for(staff, thread_id, WATER))
    local_stack.translate.fail_next("throttle", 1)
    preview = staff.post(
        f"{base}/api/threads/{thread_id}/translation-preview", json={"body": "We are on it"}, timeout=10
    )
    assert preview.status_code == 200
    assert (preview.json()["status"], preview.json()["reason"]) == ("not_translated", "throttled")
    time.sleep(0.5)
    assert local_stack.twilio.messages_to(address) == []


def test_staff_override_the_threads_language(local_stack, staff) -> None:
    base = staff.base  # type: ignore[attr-defined]
    address = resident_number()
    resident_texts(local_stack, address, WATER)
    thread_id = thread_of(local_stack, address)
    eventually(record_for(staff, thread_id, WATER))
    answer = staff.put(f"{base}/api/threads/{thread_id}/language", json={"language": "vi"}, timeout=10)
    assert answer.status_code == 200 and answer.json()["language_set_by"] == "staff"
    assert (
        staff.put(
            f"{base}/api/threads/{thread_id}/language", json={"language": "Español"}, timeout=10
        ).status_code
        == 422
    )
    assert staff.put(
        f"{base}/api/threads/nosuchthread/language", json={"language": "es"}, timeout=10
    ).status_code in (
        403,
        404,
    )
    view = translations(staff, thread_id)
    assert (view["language"], view["language_set_by"]) == ("vi", "staff")
    # One language per resident: their own texts (the resident panel's "Language of their texts") follow.
    assert staff.get(f"{base}/api/threads/{thread_id}/resident", timeout=10).json()["language"] == "vi"
    preview = staff.post(
        f"{base}/api/threads/{thread_id}/translation-preview", json={"body": "Thank you"}, timeout=10
    )
    assert preview.json()["translation"].startswith("[stand-in en→vi]")


def test_the_off_switch_and_the_monthly_count(local_stack, staff) -> None:
    base = staff.base  # type: ignore[attr-defined]
    before = staff.get(f"{base}/api/translation/usage", timeout=10).json()
    settings = staff.get(f"{base}/api/translation/settings", timeout=10).json()
    assert settings == {"enabled": True, "monthly_char_cap": 2_000_000, "agent_language": "en"}
    off = staff.put(f"{base}/api/translation/settings", json={**settings, "enabled": False}, timeout=10)
    assert off.status_code == 200 and off.json()["enabled"] is False
    try:
        address = resident_number()
        resident_texts(local_stack, address, TRASH)
        thread_id = thread_of(local_stack, address)
        record = eventually(record_for(staff, thread_id, TRASH))
        assert (record["status"], record["reason"]) == ("not_translated", "turned_off")
    finally:
        staff.put(f"{base}/api/translation/settings", json=settings, timeout=10)
    # Back on: the next view translates it, and the month's count grows by its characters.
    assert record_for(staff, thread_id, TRASH)()["status"] == "translated"  # type: ignore[index]
    after = staff.get(f"{base}/api/translation/usage", timeout=10).json()
    assert after["characters"] - before["characters"] == len(TRASH)
    assert after["cap"] == 2_000_000


def test_the_transcript_export_carries_originals_and_translations(local_stack, staff) -> None:
    base = staff.base  # type: ignore[attr-defined]
    address = resident_number()
    resident_texts(local_stack, address, WATER)
    thread_id = thread_of(local_stack, address)
    eventually(record_for(staff, thread_id, WATER))
    reply = "Hello, we will send a crew today"
    shown = staff.post(
        f"{base}/api/threads/{thread_id}/translation-preview", json={"body": reply}, timeout=10
    ).json()
    sent = staff.post(
        f"{base}/api/threads/{thread_id}/translated-replies",
        json={"body": reply, "translation": shown["translation"], "language": "es", "provider": "stand-in"},
        timeout=10,
    )
    assert sent.status_code == 202, sent.text
    exported = staff.get(f"{base}/api/threads/{thread_id}/export", params={"format": "json"}, timeout=10)
    assert exported.status_code == 200, exported.text
    rows = [row for row in exported.json()["rows"] if row["kind"] == "message"]
    columns = ("direction", "body", "body_language", "translation_text", "translation_language")
    assert [tuple(row[c] for c in columns) for row in rows] == [
        (
            "in",
            WATER,
            "es",
            "[stand-in es→en] Hello, no I have water in my house since yesterday for the tarde",
            "en",
        ),
        ("out", shown["translation"], "es", reply, "en"),
    ]
    assert "stand-in" in rows[0]["translation_note"] and "agent wrote" in rows[1]["translation_note"]
    csv_text = staff.get(f"{base}/api/threads/{thread_id}/export", params={"format": "csv"}, timeout=10).text
    assert csv_text.splitlines()[0].endswith(
        '"body_language","translation_text","translation_language","translation_note"'
    )
