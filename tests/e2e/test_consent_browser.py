"""Consent on the agent page: a free-text request to stop is flagged on the thread; STOP's confirmation shows
in the thread as the system's message; axe finds nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.e2e.browser import DESKTOP, browser_test_marks, launch_chromium, new_page
from tests.e2e.test_agent_browser import (
    assert_axe_clean,
    assert_clean,
    resident_number,
    sign_in,
    thread_button,
)

pytestmark = browser_test_marks()


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
        expect(confirmation.locator(".message-author")).to_have_text("Automatic reply")
        # Twilio blocks every send after a STOP (it confirms the STOP itself): ours is answered 21610
        # (docs/decisions.md, 10), which the local Twilio endpoint now does too.
        expect(confirmation.locator(".status")).to_have_text(
            "Not sent: the resident opted out (21610)", timeout=20_000
        )
        assert_axe_clean(page, "a thread with a STOP confirmation")

        # A reply to them is refused with the reason and how they can resume; the text is kept
        page.get_by_label("Reply").fill("The pool opens at 9.")
        page.get_by_label("Reply").press("Control+Enter")
        expect(page.locator("#reply-error")).to_contain_text("opted out of all texts")
        expect(page.locator("#reply-error")).to_contain_text("They can text START")
        expect(page.get_by_label("Reply")).to_have_value("The pool opens at 9.")
        expect(page.locator("#message-list .message-out", has_text="The pool opens at 9.")).to_have_count(0)
        assert_axe_clean(page, "a refused reply to a resident who opted out")
        assert_clean(watch)


def test_the_sign_up_page_is_accessible_and_a_yes_by_text_subscribes(chromium: Browser, local_stack) -> None:
    import boto3

    from infra.local.stack import REGION

    phone = resident_number()
    with new_page(chromium, DESKTOP) as (page, watch):
        page.goto(local_stack.api_url.rstrip("/") + "/signup.html")
        expect(page.get_by_role("heading", name="Sign up for text alerts")).to_be_visible()
        expect(page.get_by_label("Water service")).to_be_visible()
        assert_axe_clean(page, "the sign-up page")

        # Submitting nothing names the problems, and axe still finds nothing
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_label("Mobile phone number")).to_be_focused()
        expect(page.locator("#phone-error")).to_have_text(
            "Enter a mobile number, for example +1 202 555 0143."
        )
        expect(page.locator("#topics-error")).to_have_text("Choose at least one topic.")
        assert_axe_clean(page, "the sign-up page with errors")

        # Ten digits the page takes for a US number, that are no number in service: the server says no
        page.get_by_label("Mobile phone number").fill("123-456-7890")
        page.get_by_label("Water service").check()
        page.get_by_role("button", name="Sign up").click()
        expect(page.locator("#phone-error")).to_have_text(
            "This is not a mobile number we can text. Check it and try again."
        )
        expect(page.get_by_label("Mobile phone number")).to_be_focused()

        page.get_by_label("Mobile phone number").fill(phone)
        page.get_by_label("Storm warnings").check()
        page.get_by_label("ZIP code").fill("94110")
        page.get_by_label("Language for alerts").select_option(
            "en"
        )  # Spanish: test_signup_spanish_browser.py
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("status")).to_contain_text("Reply YES")
        assert_axe_clean(page, "the sign-up page after sending")
        assert_clean(watch)

    def texts() -> list[str]:
        return [m["body"] for m in local_stack.twilio.messages_to(phone)]

    expect_text = "Reply YES to get STORM, WATER alerts for ZIP 94110."
    deadline = time.monotonic() + 10
    while not any(expect_text in body for body in texts()):
        assert time.monotonic() < deadline, texts()
        time.sleep(0.1)

    local_stack.send_inbound(phone, "YES")
    deadline = time.monotonic() + 10
    while not any("You are subscribed to STORM, WATER alerts for ZIP 94110" in body for body in texts()):
        assert time.monotonic() < deadline, texts()
        time.sleep(0.1)
    table = boto3.resource("dynamodb", endpoint_url=local_stack.moto_url, region_name=REGION).Table(
        local_stack.outputs["TableName"]
    )
    state = table.get_item(Key={"pk": f"ADDR#{phone}", "sk": "CONSENT"})["Item"]
    assert sorted(state["topics"]) == ["STORM", "WATER"] and state["language"] == "en"
