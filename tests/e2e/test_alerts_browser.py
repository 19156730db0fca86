"""The alert composer in a real browser on the local stack: a supervisor previews the audience and the SMS
segments (with the character that forced Unicode named), sends an emergency alert and watches the figures
reach delivered, schedules one and cancels it; an agent has no composer. Axe clean, and usable at 360 px."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from infra.local.seed import DEMO_AGENT2_EMAIL
from infra.local.stack import DEMO_AGENT_EMAIL
from tests.e2e.browser import DESKTOP, PHONE, browser_test_marks, new_page
from tests.e2e.test_agent_browser import assert_axe_clean, assert_clean, assert_fits_the_screen
from tests.e2e.test_consent_e2e import bodies_to, eventually, resident
from tests.e2e.test_workspace_browser import sign_in_as

pytestmark = browser_test_marks()

ZIP = "94133"


def subscribers(local_stack, count: int) -> list[str]:
    """Residents who joined PARKING by text with a ZIP code, as residents do."""
    phones = [resident() for _ in range(count)]
    for phone in phones:
        local_stack.send_inbound(phone, "JOIN PARKING")
        eventually(lambda p=phone: any("ZIP" in b for b in bodies_to(local_stack, p)))
        local_stack.send_inbound(phone, ZIP)
        eventually(lambda p=phone: any(f"ZIP {ZIP}" in b for b in bodies_to(local_stack, p)))
    return phones


def compose(page: Page, title: str, text: str) -> None:
    page = page.locator("#alerts-view")  # type: ignore[assignment]
    page.get_by_label("Title (staff only)").fill(title)
    page.get_by_label("Parking").check()
    page.get_by_label("Zones (none chosen: every zone)").select_option(value=f"zip:{ZIP}")
    page.get_by_label("English text").fill(text)


def test_a_supervisor_previews_sends_and_follows_an_alert_then_schedules_and_cancels_one(
    chromium, local_stack
):
    phones = subscribers(local_stack, 2)
    title = f"Street sweeping {secrets.token_hex(3)}"
    text = "Street sweeping on Elm St tomorrow 8-10 am: please move your car 🚗"
    url = local_stack.api_url.rstrip("/") + "/"
    with new_page(chromium, DESKTOP) as (page, watch):
        page.on("dialog", lambda dialog: dialog.accept())
        sign_in_as(page, url, DEMO_AGENT_EMAIL)
        page.get_by_role("link", name="Alerts").click()
        expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_focused()
        view = page.locator("#alerts-view")
        compose(page, title, text)
        send = page.locator("#alert-send")
        expect(send).to_be_disabled()  # nothing goes out without a preview of who gets it
        view.get_by_label("Emergency: may go out during quiet hours").check()
        view.get_by_label("Why this is an emergency (kept with the alert)").fill("Tow-away zone starts at 8")
        page.get_by_role("button", name="Preview audience and segments").click()
        preview = page.locator("#alert-preview")
        expect(preview).to_contain_text("Audience: 2 residents")
        expect(preview).to_contain_text("English: 1 segment, UCS-2, 66 characters")
        expect(preview.locator(".alert-warning")).to_contain_text("“🚗”")
        assert_axe_clean(page, "the alert composer with a preview")
        expect(send).to_have_text("Send to 2 residents")
        send.click()
        # Sent now, and said so (it once read "scheduled for Jan 1, 1970").
        expect(page.locator("#alerts-status")).to_have_text(f"“{title}”: sending now.")
        expect(page.locator("#alerts-status")).not_to_contain_text("1970")

        item = page.locator("#alert-list li.notice", has_text=title)
        expect(item.locator(".alert-figures")).to_contain_text("2 delivered", timeout=30_000)
        for phone in phones:
            assert bodies_to(local_stack, phone).count(text) == 1

        # Scheduled for later, then cancelled: it never goes out.
        later = f"Later {title}"
        compose(page, later, "Reminder: street sweeping next week.")
        when = (datetime.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
        view.get_by_label("Send at (empty: now)").fill(when)
        page.get_by_role("button", name="Preview audience and segments").click()
        expect(send).to_have_text("Schedule for 2 residents")
        send.click()
        scheduled = page.locator("#alert-list li.notice", has_text=later)
        expect(scheduled).to_contain_text("Scheduled for")
        scheduled.get_by_role("button", name=f"Cancel {later}").click()
        expect(page.locator("#alerts-status")).to_have_text(f"“{later}” was cancelled.")
        expect(scheduled).to_contain_text("Cancelled")
        assert_clean(watch)

    # An agent has no composer (and the API refuses them).
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in_as(page, url, DEMO_AGENT2_EMAIL)
        expect(page.get_by_role("link", name="Alerts", exact=True)).to_be_hidden()
        page.goto(url + "#alerts")
        expect(page.locator("#alerts-view")).to_be_hidden()
        assert_clean(watch)


def test_the_alert_composer_fits_a_phone_and_says_what_is_missing(chromium, local_stack):
    url = local_stack.api_url.rstrip("/") + "/"
    with new_page(chromium, PHONE) as (page, watch):
        sign_in_as(page, url, DEMO_AGENT_EMAIL)
        page.goto(url + "#alerts")
        expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_focused()
        view = page.locator("#alerts-view")
        page.get_by_role("button", name="Preview audience and segments").click()
        expect(page.locator("#alert-error")).to_have_text("Give the alert a title.")
        expect(view.get_by_label("Title (staff only)")).to_be_focused()
        view.get_by_label("Title (staff only)").fill("Boil water")
        page.get_by_role("button", name="Preview audience and segments").click()
        expect(page.locator("#alert-error")).to_have_text("Choose at least one topic.")
        assert_fits_the_screen(page, PHONE)
        assert_axe_clean(page, "the alert composer at 360 px")
        assert_clean(watch)


def test_a_supervisor_imports_subscribers_from_a_csv_file(chromium, local_stack):
    first, second = resident(), resident()
    csv = f"phone,topics,zip\n{first},PARKING,94133\n{second},STORM WATER,\nnot a number,WATER,\n"
    url = local_stack.api_url.rstrip("/") + "/"
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in_as(page, url, DEMO_AGENT_EMAIL)
        page.goto(url + "#alerts")
        view = page.locator("#alerts-view")
        view.get_by_role("button", name="Import").click()
        expect(page.locator("#import-error")).to_have_text("Choose the CSV file.")
        view.get_by_label("CSV file").set_input_files(
            files=[{"name": "sheets.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
        )
        view.get_by_label("Where these consents come from (kept with each one)").fill(
            "Library sign-up sheets"
        )
        view.get_by_role("button", name="Import").click()
        result = page.locator("#import-result")
        expect(result).to_contain_text("2 subscribers imported, 0 already imported, 0 skipped")
        expect(result).to_contain_text("Row 4, phone: not a phone number")
        assert_axe_clean(page, "the import result")
        assert_clean(watch)
