"""The Call button in a real browser: the agent saves their phone, presses Call on a conversation, is told
what happens next, and the call's progress appears among the thread's staff-only notes; axe is clean, at
360 px too."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e import test_agent_browser
from tests.e2e.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    browser_test_marks,
    describe_violations,
    new_page,
    thread_action,
)
from tests.e2e.test_agent_browser import assert_clean, sign_in, thread_button
from tests.e2e.test_local_stack_api import eventually, resident

pytestmark = browser_test_marks()

chromium = test_agent_browser.chromium  # the same module-scoped browser fixture
AGENT_PHONE = "+15555550144"


def test_save_a_phone_then_call_a_resident_from_the_conversation(chromium, local_stack) -> None:
    address = resident()
    local_stack.send_inbound(address, "Can someone call me about the boil notice?")
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        with page.expect_response(lambda r: r.url.endswith("/api/calls/phone")):  # the saved phone loaded
            page.get_by_role("link", name="Callbacks").click()
        phone = page.get_by_label("Your phone number", exact=True)
        phone.fill("555-0144")
        page.get_by_role("button", name="Save phone").click()
        expect(page.locator("#call-phone-status")).to_contain_text("international form")
        expect(phone).to_have_attribute("aria-invalid", "true")
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)
        phone.fill(AGENT_PHONE)
        page.get_by_role("button", name="Save phone").click()
        expect(page.locator("#call-phone-status")).to_have_text("Saved. Calls will ring this phone.")

        page.get_by_role("link", name="Inbox").click()
        button = thread_button(page, address)
        expect(button).to_be_visible(timeout=15_000)
        button.click()
        thread_action(page, "Call").click()
        expect(page.locator("#call-status")).to_contain_text("Your phone will ring now")
        # The call is one entry of the timeline that follows it to the end, not a note per step.
        call = page.locator("#message-list .call")
        expect(call.locator(".call-state")).to_have_text("Call ended after 42 s", timeout=20_000)
        expect(call).to_have_count(1)
        expect(call.locator(".call-steps li")).to_contain_text(
            ["Started from the agent page", "The resident answered"]
        )
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)
        assert_clean(watch)
    placed = eventually(lambda: [c for c in local_stack.twilio.calls if c["to"] == AGENT_PHONE])
    assert placed


def test_the_call_button_fits_a_phone_screen_and_explains_a_missing_number(chromium, local_stack) -> None:
    address = resident()
    local_stack.send_inbound(address, "Hello from a small screen")
    with new_page(chromium, PHONE) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        with page.expect_response(lambda r: r.url.endswith("/api/calls/phone")):  # the saved phone loaded
            page.get_by_role("link", name="Callbacks").click()
        page.get_by_label("Your phone number", exact=True).fill("")
        page.get_by_role("button", name="Save phone").click()
        expect(page.locator("#call-phone-status")).to_contain_text("Removed")
        page.get_by_role("link", name="Inbox").click()
        button = thread_button(page, address)
        expect(button).to_be_visible(timeout=15_000)
        button.click()
        call = thread_action(page, "Call")
        box = call.bounding_box()  # on the toolbar or in the open More menu: on the screen either way
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
        call.focus()
        page.keyboard.press("Enter")
        expect(page.locator("#call-status")).to_contain_text("Add your phone number")
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)
        assert_clean(watch)
