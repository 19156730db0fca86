"""Two-way translation on the agent page, in chromium on the local stack with the Translate stand-in
(issue 20): a resident's Spanish text shown translated and marked as the stand-in's, the original one click
away; a reply previewed in Spanish (both versions and the segment count on screen) and sent only when the
agent chooses; axe clean at 1366x900 and 360x740."""

from __future__ import annotations

import time

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.browser import browser_test_marks, new_page
from tests.e2e.test_agent_browser import (
    assert_axe_clean,
    assert_clean,
    assert_fits_the_screen,
    chromium,  # noqa: F401 - the module's browser fixture
    resident_number,
    resident_texts,
    sign_in,
    thread_button,
)
from tests.e2e.test_inbox_browser import staff_api
from tests.e2e.test_translation_e2e import WATER, record_for, thread_of

pytestmark = browser_test_marks()
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 360, "height": 740}
REPLY = "Hello, we will send a crew today"
SPANISH_REPLY = "[stand-in en→es] Hola, nosotros vamos a enviar un equipo hoy"


def translated(staff: requests.Session, thread_id: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        record = record_for(staff, thread_id, WATER)()
        if record and record["status"] == "translated":
            return
        time.sleep(0.2)
    raise AssertionError("the translation step did not keep a translation")


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366x900", "phone-360"])
def test_a_spanish_conversation_is_read_and_answered_through_translation(
    chromium,  # noqa: F811
    local_stack,
    viewport,
):
    agent_url = local_stack.api_url.rstrip("/") + "/"
    address = resident_number()
    resident_texts(local_stack, address, WATER)
    thread_id = thread_of(local_stack, address)
    translated(staff_api(local_stack), thread_id)
    with new_page(chromium, viewport) as (page, watch):
        with page.expect_response(lambda r: "/api/triage/notices" in r.url, timeout=30_000) as asked:
            sign_in(page, agent_url)
        if asked.value.json()["notices"]:  # earlier tests may have left residents in crisis: read, dismissed
            banner = page.get_by_role("region", name="Residents in crisis")
            banner.get_by_role("button", name="Dismiss").click()
            expect(banner).to_be_hidden()
        row = thread_button(page, address)
        expect(row).to_be_visible(timeout=10_000)
        row.click()

        # Shown translated, marked as the stand-in's; the resident's words one click away.
        bubble = page.locator("#message-list li.message-in").last
        translation = bubble.locator(".translation-text")
        expect(translation).to_be_visible(timeout=10_000)
        expect(translation).to_have_text(
            "[stand-in es→en] Hello, no I have water in my house since yesterday for the tarde"
        )
        expect(bubble.locator(".translation-meta")).to_have_text(
            "Translated from Spanish by the local stand-in (not a real translation)"
        )
        original = bubble.locator("p.message-body:not(.translation-text)")
        expect(original).to_be_hidden()
        bubble.get_by_role("button", name="Show original").click()
        expect(original).to_have_text(WATER)
        expect(translation).to_be_hidden()
        expect(page.get_by_label("Resident's language")).to_have_value("es")
        assert_axe_clean(page, "a Spanish message with its original shown")
        assert_fits_the_screen(page, viewport)
        bubble.get_by_role("button", name="Show translation").click()
        expect(translation).to_be_visible()

        # The reply: Send shows what the resident will receive first; nothing goes out yet.
        page.get_by_label("Reply", exact=True).fill(REPLY)
        page.locator("#send").click()
        preview = page.get_by_role("region", name="What the resident will receive (Spanish)")
        expect(preview).to_be_visible()
        expect(page.locator("#translation-original")).to_have_text(REPLY)
        expect(page.locator("#translation-text")).to_have_text(SPANISH_REPLY)
        expect(page.locator("#translation-stand-in")).to_be_visible()
        expect(page.locator("#translation-hint")).to_contain_text("“→” makes this a Unicode message")
        assert local_stack.twilio.messages_to(address) == []
        assert_axe_clean(page, "the reply's preview in Spanish")
        assert_fits_the_screen(page, viewport)

        page.get_by_role("button", name="Send translation").click()
        expect(preview).to_be_hidden()
        sent = page.locator("#message-list li.message-out").last
        expect(sent.locator("p.message-body").first).to_have_text(SPANISH_REPLY)
        expect(sent.locator(".translation-meta")).to_have_text(
            "Sent in Spanish, translated by the local stand-in (not a real translation)", timeout=10_000
        )
        sent.get_by_role("button", name="Show what was written").click()
        expect(sent.locator(".translation-text")).to_have_text(REPLY)
        deadline = time.monotonic() + 10
        while not local_stack.twilio.messages_to(address) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [m["body"] for m in local_stack.twilio.messages_to(address)] == [SPANISH_REPLY]
        assert_axe_clean(page, "a reply sent in Spanish")
        assert_fits_the_screen(page, viewport)
        assert_clean(watch)


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1366x900", "phone-360"])
def test_an_admin_sets_translation_and_sees_the_months_use(chromium, local_stack, viewport):  # noqa: F811
    agent_url = local_stack.api_url.rstrip("/") + "/"
    staff = staff_api(local_stack)
    base = staff.base  # type: ignore[attr-defined]
    before = staff.get(f"{base}/api/translation/settings", timeout=10).json()
    with new_page(chromium, viewport) as (page, watch):
        sign_in(page, agent_url)
        page.goto(agent_url + "#admin")
        enabled = page.get_by_label("Translate conversations")
        expect(enabled).to_be_checked(timeout=10_000)
        expect(page.get_by_label("Monthly character allowance")).to_have_value("2000000")
        expect(page.get_by_label("Staff read and write in")).to_have_value("en")
        expect(page.locator("#translation-usage")).to_contain_text("of 2,000,000 characters")
        assert_axe_clean(page, "the admin view with the translation settings")
        assert_fits_the_screen(page, viewport)
        try:
            enabled.uncheck()
            page.get_by_label("Monthly character allowance").fill("50000")
            page.get_by_role("button", name="Save translation settings").click()
            expect(page.locator("#translation-settings-status")).to_have_text("Translation settings saved.")
            saved = staff.get(f"{base}/api/translation/settings", timeout=10).json()
            assert saved == {"enabled": False, "monthly_char_cap": 50000, "agent_language": "en"}
            expect(page.locator("#translation-usage")).to_contain_text("of 50,000 characters")
        finally:
            staff.put(f"{base}/api/translation/settings", json=before, timeout=10)
        assert_clean(watch)
