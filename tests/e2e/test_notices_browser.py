"""The notices panel in a real browser: a supervisor creates a recurring notice, sees it listed, pauses and
resumes it, is told what is wrong with a bad schedule, and deletes it; axe is clean at desktop and 360 px."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
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
from tests.e2e.test_agent_browser import assert_axe_clean, assert_clean, sign_in
from tests.e2e.test_workspace_layout_browser import elements_wider_than_the_window

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
        form.get_by_label("Repeat").select_option(label="Every week on chosen days")
        form.get_by_label("Mon", exact=True).check()
        expect(form.get_by_label("Schedule expression")).to_have_value("cron(0 9 ? * MON *)")
        form.get_by_role("button", name="Create notice").click()

        notice = page.locator(".notice", has_text="Weekly testing sites")
        expect(notice).to_contain_text("Active")
        expect(notice).to_contain_text("Every Monday at 09:00")
        notice.get_by_role("button", name="Pause Weekly testing sites").click()
        expect(notice).to_contain_text("Paused")
        notice.get_by_role("button", name="Resume Weekly testing sites").click()
        expect(notice).to_contain_text("Active")

        notice.get_by_role("button", name="Edit Weekly testing sites").click()
        expect(form.get_by_label("Title (staff only)")).to_be_focused()
        expect(form.get_by_label("Repeat")).to_have_value("weekly")
        expect(form.get_by_label("Mon", exact=True)).to_be_checked()
        form.get_by_text("Advanced: schedule expression").click()
        form.get_by_label("Schedule expression").fill("rate(5 minutes)")
        expect(form.get_by_label("Repeat")).to_have_value("custom")
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


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 900}, PHONE], ids=["1366x900", "360x740"])
def test_a_schedule_chosen_in_words_shows_its_next_three_send_times_in_the_agencys_zone(
    chromium, local_stack, viewport
) -> None:
    zone = ZoneInfo("America/Chicago")
    with new_page(chromium, viewport) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        page.goto(local_stack.api_url.rstrip("/") + "/#notices")
        form = page.locator("#notice-form")
        expect(form.get_by_label("Repeat")).to_have_value("weekdays")
        expect(form.get_by_label("Schedule expression")).to_have_value("cron(0 9 ? * MON-FRI *)")
        form.get_by_label("Time zone").fill("America/Chicago")
        form.get_by_label("Repeat").select_option(label="Every week on chosen days")
        form.get_by_label("Tue", exact=True).check()
        form.get_by_label("Sat", exact=True).check()
        form.get_by_label("At", exact=True).fill("07:30")
        expect(form.get_by_label("Schedule expression")).to_have_value("cron(30 7 ? * TUE,SAT *)")
        expect(page.locator("#notice-next-note")).to_have_text(
            "Every Tuesday and Saturday at 07:30 (America/Chicago). Next sends:"
        )
        shown = page.locator("#notice-next time")
        expect(shown).to_have_count(3)
        # The same three, worked out here from the calendar and the zone's rules (daylight saving included).
        now = dt.datetime.now(zone)
        expected = []
        day = now.date()
        while len(expected) < 3:
            if day.weekday() in (1, 5):
                at = dt.datetime.combine(day, dt.time(7, 30), zone)
                if at > now:
                    expected.append(
                        at.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
                    )
            day += dt.timedelta(days=1)
        assert [shown.nth(i).get_attribute("datetime") for i in range(3)] == expected
        expect(shown.first).to_contain_text("07:30")

        form.get_by_label("Repeat").select_option(label="Every month on one day")
        form.get_by_label("Day of the month").fill("31")
        expect(form.get_by_label("Schedule expression")).to_have_value("cron(30 7 31 * ? *)")
        months = [page.locator("#notice-next time").nth(i).get_attribute("datetime") for i in range(3)]
        assert all(dt.datetime.fromisoformat(m).astimezone(zone).day == 31 for m in months), months
        assert elements_wider_than_the_window(page) == []
        assert_axe_clean(page, f"the schedule builder at {viewport['width']} px")

        # A schedule the choices cannot say stays an expression: "Custom", no preview
        form.get_by_text("Advanced: schedule expression").click()
        form.get_by_label("Schedule expression").fill("cron(0 9 L * ? *)")
        expect(form.get_by_label("Repeat")).to_have_value("custom")
        expect(page.locator("#notice-next time")).to_have_count(0)
        assert_clean(watch)
