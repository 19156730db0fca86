"""A person "calls" the agency from the resident simulator in a real browser: presses Call, hears (reads) the
greeting and menu, presses 1 on the keypad and is told a text is on its way; the agent then sees the call as
one entry of the resident's timeline, with the path taken. axe is clean on both pages, at 360 px too."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP, PHONE, browser_test_marks, new_page
from tests.e2e.test_agent_browser import assert_axe_clean, assert_clean, sign_in, thread_button
from tests.e2e.test_local_stack_api import resident

pytestmark = browser_test_marks()  # chromium: the module-scoped fixture of tests/e2e/conftest.py


def test_a_simulator_call_moves_to_text_and_is_one_timeline_entry(chromium, local_stack) -> None:
    address = resident()
    local_stack.send_inbound(address, "When is bulk trash pickup?")
    with new_page(chromium, PHONE) as (page, watch):
        page.goto(local_stack.twilio.url + "/simulator/")
        number = page.get_by_label("Your phone number")
        number.fill(address)
        number.press("Tab")
        page.get_by_role("button", name="Call", exact=True).click()
        heard = page.locator("#call-heard")
        expect(heard).to_contain_text("Thank you for calling")
        expect(heard).to_contain_text("open conversation")
        expect(page.locator("#call-status")).to_contain_text("waiting for you")
        assert_axe_clean(page, "the simulator's call panel at 360 px")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        page.locator("#keypad").get_by_role("button", name="1", exact=True).click()
        expect(heard).to_contain_text("We sent you a text")
        expect(page.locator("#call-status")).to_have_text("The call ended.")
        expect(page.locator("#conversation")).to_contain_text("continue by text", timeout=15_000)
        assert watch.page_errors == []

    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        button = thread_button(page, address)
        expect(button).to_be_visible(timeout=15_000)
        button.click()
        entry = page.locator("#message-list .call-resident")
        expect(entry).to_have_count(1, timeout=15_000)
        expect(entry.locator(".call-title")).to_contain_text("The resident called the agency number")
        expect(entry.locator(".call-state")).to_contain_text("Continued by text")
        expect(entry.locator(".call-steps li")).to_have_text(
            ["Answered", "Heard what is pending", "Continued by text (one text sent)"]
        )
        assert_axe_clean(page, "the resident's timeline with the call entry")
        assert_clean(watch)
