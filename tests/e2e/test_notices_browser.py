"""The notices panel in a real browser: a supervisor creates a recurring notice, sees it listed, pauses and
resumes it, is told what is wrong with a bad schedule, and deletes it; axe is clean at desktop and 360 px."""

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
)
from tests.e2e.test_agent_browser import assert_clean, sign_in

pytestmark = browser_test_marks()

chromium = test_agent_browser.chromium  # the same module-scoped browser fixture


def test_a_supervisor_manages_a_recurring_notice(chromium, local_stack) -> None:
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        page.get_by_role("link", name="Notices").click()
        expect(page.get_by_role("heading", name="Recurring notices")).to_be_focused()
        form = page.locator("#notice-form")
        expect(form.get_by_label("Topic")).to_contain_text("Water")
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)

        form.get_by_label("Title (staff only)").fill("Weekly testing sites")
        form.get_by_label("Topic").select_option("WATER")
        form.get_by_label("English text").fill("Testing this week: Elm St clinic, 9 to 5.")
        form.get_by_label("Spanish text").fill("Pruebas esta semana: clínica Elm, de 9 a 5.")
        form.get_by_label("Repeat").select_option(label="Every Monday at 09:00")
        expect(form.get_by_label("Schedule expression")).to_have_value("cron(0 9 ? * MON *)")
        form.get_by_role("button", name="Create notice").click()

        notice = page.locator(".notice", has_text="Weekly testing sites")
        expect(notice).to_contain_text("Active")
        expect(notice).to_contain_text("cron(0 9 ? * MON *)")
        notice.get_by_role("button", name="Pause Weekly testing sites").click()
        expect(notice).to_contain_text("Paused")
        notice.get_by_role("button", name="Resume Weekly testing sites").click()
        expect(notice).to_contain_text("Active")

        notice.get_by_role("button", name="Edit Weekly testing sites").click()
        expect(form.get_by_label("Title (staff only)")).to_be_focused()
        form.get_by_label("Schedule expression").fill("rate(5 minutes)")
        form.get_by_role("button", name="Save changes").click()
        expect(page.locator("#notice-error")).to_contain_text("at most hourly")
        form.get_by_label("Schedule expression").fill("rate(7 days)")
        form.get_by_role("button", name="Save changes").click()
        expect(notice).to_contain_text("rate(7 days)")
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)

        page.once("dialog", lambda dialog: dialog.accept())
        notice.get_by_role("button", name="Delete Weekly testing sites").click()
        expect(notice).to_have_count(0)
        assert_clean(watch)


def test_the_notices_panel_fits_a_phone_and_is_keyboard_reachable(chromium, local_stack) -> None:
    with new_page(chromium, PHONE) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        page.goto(local_stack.api_url.rstrip("/") + "/#notices")
        expect(page.get_by_role("heading", name="Recurring notices")).to_be_visible()
        view = page.locator("#notices-view")  # the alert composer has fields of the same names
        view.get_by_label("Title (staff only)").focus()
        page.keyboard.press("Tab")
        expect(view.get_by_label("Topic")).to_be_focused()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)
        assert_clean(watch)
