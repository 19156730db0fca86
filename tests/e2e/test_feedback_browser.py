"""How are we doing, in a real browser (issue 18): a supervisor sends a staff pulse and answers it as staff,
results stay hidden under 5 answers; the web chat widget offers the 1-5 survey after staff close the chat and
the resident answers it with the keyboard. Axe is clean at desktop and at 360 px."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.e2e import test_agent_browser, test_widget_browser
from tests.e2e.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    browser_test_marks,
    describe_violations,
    new_page,
    thread_action,
)
from tests.e2e.test_agent_browser import assert_clean, sign_in

pytestmark = browser_test_marks()

chromium = test_agent_browser.chromium  # the same module-scoped browser fixture
host_pages = test_widget_browser.host_pages


def test_a_supervisor_sends_a_pulse_and_staff_answer_it_anonymously(chromium, local_stack) -> None:
    question = f"How manageable was your load this week? 1-5 ({time.monotonic_ns()})"
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        page.get_by_role("link", name="How are we doing").click()
        expect(page.get_by_role("heading", name="How are we doing")).to_be_focused()
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)

        form = page.locator("#pulse-form")
        form.get_by_label("Question answered 1 to 5").fill(question)
        form.get_by_label("Free-text question (optional)").fill("Anything we should know?")
        form.get_by_role("button", name="Send pulse").click()

        # The demo login is staff too: the question reaches them, with the 1-5 choice as radio buttons
        mine = page.locator("#pulse-open-list li", has_text=question)
        expect(mine).to_be_visible()
        group = mine.get_by_role("group", name=question)
        mine.get_by_role("button", name="Send anonymously").click()
        expect(mine.get_by_role("alert")).to_have_text("Please choose a number from 1 to 5.")
        group.get_by_role("radio", name="4").check()
        mine.get_by_label("Anything we should know?").fill("Mondays are heavy")
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)
        mine.get_by_role("button", name="Send anonymously").click()
        expect(page.locator("#pulse-status")).to_have_text("Thank you: your answer was sent anonymously.")
        expect(mine).to_have_count(0)

        # One answer: the supervisor sees the count only
        page.reload()
        page.get_by_role("link", name="How are we doing").click()
        result = page.locator("#pulse-results li", has_text=question)
        expect(result).to_contain_text("1 answer so far: results are shown from 5 answers")
        expect(result.get_by_role("table")).to_have_count(0)
        # ... and the question is not offered again
        expect(page.locator("#pulse-open-list li", has_text=question)).to_have_count(0)
        assert_clean(watch)


def test_the_feedback_view_fits_a_phone_and_the_pulse_is_keyboard_usable(chromium, local_stack) -> None:
    question = f"Did you get your breaks? 1-5 ({time.monotonic_ns()})"
    with new_page(chromium, PHONE) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        page.goto(local_stack.api_url.rstrip("/") + "/#feedback")
        expect(page.get_by_role("heading", name="How are we doing")).to_be_visible()
        page.locator("#pulse-form").get_by_label("Question answered 1 to 5").fill(question)
        page.locator("#pulse-form").get_by_role("button", name="Send pulse").click()
        mine = page.locator("#pulse-open-list li", has_text=question)
        expect(mine).to_be_visible()
        # Keyboard only: focus the first choice, arrow to 3, Tab on, send
        mine.get_by_role("radio", name="1").focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        expect(mine.get_by_role("radio", name="3")).to_be_checked()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)
        mine.get_by_role("button", name="Send anonymously").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#pulse-status")).to_have_text("Thank you: your answer was sent anonymously.")
        assert_clean(watch)


@pytest.fixture
def daytime_agency(monkeypatch: pytest.MonkeyPatch):
    """The close must fall outside quiet hours whenever this runs: the agency's zone is one where it is about
    noon now, read afresh by the agent API's survey wiring."""
    offset = 12 - datetime.now(UTC).hour
    monkeypatch.setenv("AGENCY_TIME_ZONE", "Etc/GMT" + (f"{-offset:+d}" if offset else ""))
    agent_api = sys.modules.get("app.handlers.agent_api")
    if agent_api is not None:
        agent_api.dependencies.cache_clear()
    yield
    if agent_api is not None:
        agent_api.dependencies.cache_clear()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_widget_offers_the_survey_after_a_close(
    chromium, local_stack, host_pages, daytime_agency, viewport
):
    allowed, _ = host_pages
    question = f"Is the pool open on Sunday? #{time.monotonic_ns()}"
    with (
        new_page(chromium, viewport) as (resident, resident_watch),
        new_page(chromium, DESKTOP) as (agent, _),
    ):
        resident.goto(allowed)
        resident.get_by_role("button", name="Chat with us").click()
        box = resident.get_by_label("Your message")
        box.fill(question)
        box.press("Enter")
        log = resident.get_by_role("log")
        expect(log.locator(".in")).to_contain_text([question])
        token = json.loads(
            resident.evaluate(
                "Object.entries(localStorage).find(([k]) => k.startsWith('switchboard-chat:'))[1]"
            )
        )["token"]
        address = "webchat:" + token.split(".")[1]

        # The agent answers and closes the conversation
        sign_in(agent, local_stack.api_url + "/")
        row = agent.locator("#thread-list button[data-thread-id]", has_text=address)
        row.wait_for(timeout=10_000)
        row.click()
        agent.get_by_label("Reply").fill("Yes, 10 to 4.")
        agent.get_by_label("Reply").press("Control+Enter")
        expect(log.locator(".out", has_text="Yes, 10 to 4.")).to_be_visible(timeout=20_000)
        thread_action(agent, "Close").click()
        expect(agent.locator("#close-toggle")).to_have_text("Reopen", timeout=20_000)

        # The widget shows the survey: a group of five labelled radio buttons, in English (its next poll,
        # within a second, on a stack that two test workers share with their browsers)
        rating = resident.get_by_role("group", name="How did we do? Choose from 1 (poor) to 5 (very good).")
        expect(rating).to_be_visible(timeout=30_000)
        expect(rating.get_by_role("radio")).to_have_count(5)
        test_widget_browser.assert_axe_clean(resident, f"the widget's survey ({viewport['width']} px)")
        # Keyboard: onto the first choice, arrow to 4, Tab to Send, Enter
        rating.get_by_role("radio", name="1 out of 5").focus()
        for _ in range(3):
            resident.keyboard.press("ArrowRight")
        expect(rating.get_by_role("radio", name="4 out of 5")).to_be_checked()
        resident.keyboard.press("Tab")
        expect(rating.get_by_role("button", name="Send rating")).to_be_focused()
        resident.keyboard.press("Enter")
        expect(resident.get_by_text("Thank you for your rating.", exact=True)).to_be_visible()
        expect(rating).to_be_hidden()
        # The resident is thanked by text too, and the agent's list keeps the conversation closed
        expect(
            log.locator(".out", has_text="Thank you for your rating. It helps us do better.")
        ).to_be_visible(timeout=10_000)
        assert resident_watch.page_errors == []
