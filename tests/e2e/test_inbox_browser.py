"""The agent page's inbox on the local stack, in chromium: views with counts, search by words and digits, the
oldest-waiting order with time waiting, presence with auto-assignment reaching "Mine" live, the sound toggle,
and axe at desktop and phone sizes."""

from __future__ import annotations

import re
import secrets
import time

import pytest
import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP, PHONE, browser_test_marks, new_page
from tests.e2e.test_agent_browser import (
    AGENT_EMAIL,
    AGENT_PASSWORD,
    assert_axe_clean,
    assert_clean,
    assert_fits_the_screen,
    chromium,  # noqa: F401 - the module's browser fixture
    resident_number,
    resident_texts,
    sign_in,
    thread_button,
)

pytestmark = browser_test_marks()
LIVE_DEADLINE_S = 2.0


@pytest.fixture
def agent_url(local_stack) -> str:
    return local_stack.api_url.rstrip("/") + "/"


def staff_api(local_stack) -> requests.Session:
    """The demo login's API session (agent, supervisor and admin), for arranging what an admin sets up."""
    base = local_stack.api_url.rstrip("/")
    cognito = requests.get(f"{base}/config.json", timeout=10).json()["cognito"]
    response = requests.post(
        cognito["endpoint"] if cognito["endpoint"].startswith("http") else base + cognito["endpoint"],
        json={
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": cognito["clientId"],
            "AuthParameters": {"USERNAME": AGENT_EMAIL, "PASSWORD": AGENT_PASSWORD},
        },
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
        },
        timeout=10,
    )
    response.raise_for_status()
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + response.json()["AuthenticationResult"]["IdToken"]
    session.base = base  # type: ignore[attr-defined]
    return session


COUNT = re.compile(r"^\(\d+\+?\)$")


def test_views_counts_search_and_waiting_time(chromium, local_stack, agent_url):  # noqa: F811
    address = resident_number()
    word = "zq" + secrets.token_hex(4)
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in(page, agent_url)
        # A supervisor starts on All; every view shows a count.
        expect(page.locator('button.view-tab[data-view="all"]')).to_have_attribute("aria-pressed", "true")
        resident_texts(local_stack, address, f"Need help with {word} please")
        thread_button(page, address).wait_for(timeout=5000)
        expect(page.locator('[data-count="unassigned"]')).to_have_text(COUNT, timeout=10_000)

        # Unassigned, oldest waiting first: the thread shows how long the resident has waited.
        page.locator('button.view-tab[data-view="unassigned"]').click()
        page.get_by_text("Filters and order").click()
        page.get_by_label("Order").select_option("oldest_waiting")
        # Oldest first puts this new thread last: earlier tests in the session leave older unassigned threads,
        # so page through as staff would.
        more = page.get_by_role("button", name="Load more conversations")
        rows = page.locator("#thread-list button[data-thread-id]")
        expect(page.get_by_role("status").filter(has_text="Unassigned")).to_be_visible()
        for _ in range(50):
            if thread_button(page, address).count():
                break
            try:
                more.wait_for(state="visible", timeout=3000)
            except PlaywrightTimeoutError:
                break
            shown = rows.count()
            more.click()
            expect(rows).not_to_have_count(shown)
        expect(thread_button(page, address)).to_contain_text("waiting")

        # Search by a word of the message, then by the number's last four digits.
        page.get_by_label("Search by phone number, name or words").fill(word.upper())
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.locator("#thread-list button[data-thread-id]")).to_have_count(1)
        expect(thread_button(page, address)).to_be_visible()
        expect(page.locator('button.view-tab[data-view="unassigned"]')).to_have_attribute(
            "aria-pressed", "false"
        )
        page.get_by_label("Search by phone number, name or words").fill(address[-4:])
        page.get_by_role("button", name="Search", exact=True).click()
        expect(thread_button(page, address)).to_be_visible()
        page.get_by_role("button", name="Clear").click()
        expect(page.get_by_label("Search by phone number, name or words")).to_be_focused()

        # A search that finds nothing says so (not "No conversations yet"), and offers to start over.
        page.get_by_label("Search by phone number, name or words").fill("zzqxnothingmatches")
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.locator("#threads-empty")).to_contain_text("No conversations match “zzqxnothingmatches”")
        page.get_by_role("button", name="Clear the search and filters").click()
        expect(page.get_by_label("Search by phone number, name or words")).to_have_value("")
        # The view's list is back (other tests' threads may fill its first page, so any row will do).
        expect(page.locator("#thread-list button[data-thread-id]").first).to_be_visible()
        # Web chat is one of the channels to filter by; a filter that leaves nothing says which.
        page.locator("details.filters").evaluate("details => { details.open = true; }")
        page.locator("#filter-channel").select_option(label="Web chat")
        page.get_by_label("Label", exact=True).fill("no-such-label")
        page.get_by_label("Label", exact=True).press("Tab")  # the filter applies when the field is left
        expect(page.locator("#threads-empty")).to_contain_text("on Web chat, labelled “no-such-label”")
        assert_clean(watch)


def test_available_agent_gets_a_new_thread_in_mine_within_two_seconds(chromium, local_stack, agent_url):  # noqa: F811
    address = resident_number()
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in(page, agent_url)
        staff = staff_api(local_stack)
        rules_url = f"{staff.base}/api/routing/rules"  # type: ignore[attr-defined]
        page.locator('button.view-tab[data-view="mine"]').click()
        page.get_by_label("My status").select_option("available")
        expect(page.locator("#announcer")).to_contain_text("Your status is available")
        try:
            # An admin routes every new thread to Water & Sewer, one of the demo agent's departments.
            assert (
                staff.put(rules_url, json={"rules": [{"department_id": "water"}]}, timeout=10).status_code
                == 200
            )
            page.wait_for_timeout(300)
            sent_at = time.monotonic()
            resident_texts(local_stack, address, "Brown water from the tap on Elm St")
            thread_button(page, address).wait_for(timeout=LIVE_DEADLINE_S * 1000 + 1500)
            elapsed = time.monotonic() - sent_at
            assert elapsed <= LIVE_DEADLINE_S, f"the assignment took {elapsed:.2f} s to reach Mine"
            expect(page.locator('[data-count="mine"]')).not_to_have_text("", timeout=10_000)
            # Going offline hands it back: it leaves Mine.
            page.get_by_label("My status").select_option("offline")
            expect(thread_button(page, address)).to_have_count(0, timeout=5000)
        finally:
            staff.put(rules_url, json={"rules": []}, timeout=10)
            staff.put(f"{staff.base}/api/presence", json={"presence": "offline"}, timeout=10)  # type: ignore[attr-defined]
        assert_clean(watch)


def test_sound_is_off_by_default_and_a_labelled_toggle(chromium, local_stack, agent_url):  # noqa: F811
    with new_page(chromium, DESKTOP) as (page, _watch):
        sign_in(page, agent_url)
        toggle = page.get_by_role("button", name="Sound off")
        expect(toggle).to_have_attribute("aria-pressed", "false")
        toggle.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("button", name="Sound on")).to_have_attribute("aria-pressed", "true")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone-360"])
def test_inbox_controls_pass_axe_and_fit(chromium, local_stack, agent_url, viewport):  # noqa: F811
    with new_page(chromium, viewport) as (page, watch):
        sign_in(page, agent_url)
        page.get_by_text("Filters and order").click()
        expect(
            page.get_by_role("region", name="Conversations").get_by_label("Status", exact=True)
        ).to_be_visible()
        assert_axe_clean(page, "the inbox with its views, search and filters open")
        assert_fits_the_screen(page, viewport)
        assert_clean(watch)
