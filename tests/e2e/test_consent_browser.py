"""Consent on the agent page: a free-text request to stop is flagged on the thread; STOP's confirmation shows
in the thread as the system's message; axe finds nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.e2e.browser import DESKTOP, chromium_available, launch_chromium, new_page
from tests.e2e.test_agent_browser import (
    assert_axe_clean,
    assert_clean,
    resident_number,
    sign_in,
    thread_button,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.e2e,
    pytest.mark.skipif(not chromium_available(), reason="chromium is not installed (make browser)"),
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def test_a_free_text_request_to_stop_is_flagged_and_a_stop_is_confirmed_in_the_thread(
    chromium: Browser, local_stack
) -> None:
    flagged, stopped = resident_number(), resident_number()
    local_stack.send_inbound(flagged, "Please stop texting me, I moved away")
    local_stack.send_inbound(stopped, "Hi, is the pool open?")
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")

        thread_button(page, flagged).click()
        expect(page.get_by_role("heading", name=flagged)).to_be_visible()
        expect(page.locator("#thread-consent-flag")).to_be_visible()
        expect(page.locator("#thread-consent-flag")).to_have_text("Asked to stop?")
        assert_axe_clean(page, "a flagged thread")

        thread_button(page, stopped).click()
        expect(page.get_by_role("heading", name=stopped)).to_be_visible()
        expect(page.locator("#thread-consent-flag")).to_be_hidden()
        local_stack.send_inbound(stopped, "STOP")
        confirmation = page.locator("#message-list .message-out", has_text="You are unsubscribed")
        expect(confirmation).to_have_count(1, timeout=10_000)
        expect(confirmation.locator(".status")).to_have_text("Delivered", timeout=20_000)
        assert_axe_clean(page, "a thread with a STOP confirmation")
        assert_clean(watch)
