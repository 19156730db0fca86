"""The Reports section in a real browser (issue 18 item 3), at 1366x900 and 360x740: the figures come from
the counts the consumers wrote while a conversation happened on the local stack; every chart has a table view
a keyboard and a screen reader reach; every table downloads as CSV; axe finds nothing; nothing is wider than
the window."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, LocalStack
from infra.tools.screenshots import api, eventually, thread_id_of
from tests.e2e.browser import browser_test_marks, new_page
from tests.e2e.test_agent_browser import assert_axe_clean, assert_clean, sign_in
from tests.e2e.test_workspace_layout_browser import elements_wider_than_the_window
from tests.e2e.widget_hosts import WIDGET_HOST_ORIGIN

pytestmark = browser_test_marks()

SIZES = [{"width": 1366, "height": 900}, {"width": 360, "height": 740}]
CHART_TITLES = [
    "Conversations per day",
    "Backlog at the end of each day",
    "Resident messages by weekday and hour (agency time)",
    "First response and resolution times (median and p90, seconds)",
    "Waiting for a first answer now, by how long",
    "Per agent: assigned, replies, resolved",
    "Per department: opened and resolved",
    "Resident ratings (1 to 5)",
    "Alert texts per day",
    "Subscribers joined and left per topic",
]


@pytest.fixture(scope="module")
def conversation(local_stack: LocalStack) -> str:
    """A resident's conversation with a staff reply, stored through the webhooks and the agent API."""
    token = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    address = "+1555" + "".join(secrets.choice("0123456789") for _ in range(7))
    today = datetime.now(UTC).date().isoformat()

    def messages_in() -> int:
        status, body = api(local_stack, "GET", f"/api/reports?from={today}&to={today}", token)
        assert status == 200
        return int(body["figures"]["messages_in"])

    before = messages_in()
    local_stack.send_inbound(address, "The water on Elm St has been brown since this morning.")
    thread_id = str(eventually(lambda: thread_id_of(local_stack, token, address), timeout_s=120))
    # The reports step runs after the message is stored and routed: answer once it has counted it.
    eventually(lambda: messages_in() > before, timeout_s=120)
    reply = {"body": "Thanks for telling us; the water team is on the way."}
    assert api(local_stack, "POST", f"/api/threads/{thread_id}/messages", token, reply)[0] == 202
    return thread_id


def open_reports(page: Page, local_stack: LocalStack) -> None:
    sign_in(page, local_stack.api_url.rstrip("/") + "/")
    with page.expect_response(lambda r: "/api/reports?" in r.url and r.status == 200):
        page.evaluate("() => { location.hash = '#reports'; }")
    expect(page.locator("#report-status")).to_contain_text("Report for")


def card(page: Page, label: str) -> Locator:
    return page.locator(".report-card", has_text=label)


def chart(page: Page, title: str) -> Locator:
    return page.locator("figure.report-chart", has=page.locator("figcaption", has_text=title))


@pytest.mark.parametrize("viewport", SIZES, ids=["1366x900", "360x740"])
def test_reports_show_figures_charts_with_table_views_and_download_csv(
    chromium: Any, local_stack: LocalStack, conversation: str, viewport: dict[str, int], tmp_path: Path
) -> None:
    with new_page(chromium, viewport) as (page, watch):
        open_reports(page, local_stack)

        # The figures were counted as the conversation happened: at least this one opened and was answered
        assert int(card(page, "Conversations opened").locator(".report-value").inner_text()) >= 1
        expect(card(page, "First response, median").locator(".report-value")).not_to_have_text("–")
        expect(card(page, "Cost per conversation")).to_contain_text("a 311 call costs $3.39")

        # Every chart is a labelled picture with a table view of the same numbers
        for title in CHART_TITLES:
            expect(chart(page, title)).to_have_count(1)
        daily = page.locator("figure.report-chart").first
        expect(daily.get_by_role("img")).to_have_accessible_name(
            "Conversations per day. The table view below has every number."
        )
        # Keyboard: the table view opens from its summary with Enter
        summary = daily.locator("summary")
        summary.focus()
        page.keyboard.press("Enter")
        table = daily.get_by_role("table", name="Conversations per day")
        expect(table).to_be_visible()
        assert table.locator("thead th").first.inner_text() == "day"
        assert table.locator("tbody tr").count() == 30  # the default period: the last 30 days
        heat = chart(page, "weekday and hour")
        heat.locator("summary").click()
        expect(heat.get_by_role("table")).to_contain_text("Mon")
        assert heat.locator("svg rect").count() == 7 * 24

        # Every table downloads as CSV
        with page.expect_download() as download:
            daily.get_by_role("button", name="Download Conversations per day as CSV").click()
        saved = tmp_path / "daily.csv"
        download.value.save_as(saved)
        lines = saved.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("day,opened,reopened,resolved")
        assert len(lines) == 31
        assert sum(int(line.split(",")[1]) for line in lines[1:]) >= 1

        assert elements_wider_than_the_window(page) == []
        assert_axe_clean(page, f"the reports at {viewport['width']} px")
        assert_clean(watch)


def test_the_channel_filter_splits_the_conversations_without_losing_any(
    chromium: Any, local_stack: LocalStack, conversation: str
) -> None:
    """A conversation opened on each channel counts once in all, and once under its own channel. (Deltas:
    other tests on this stack opened conversations before, and background work may still open some.)"""
    token = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    today = datetime.now(UTC).date().isoformat()
    channels = ("sms", "whatsapp", "webchat")

    def opened() -> dict[str, int]:
        counts = {}
        for channel in ("", *channels):
            query = f"/api/reports?from={today}&to={today}" + (f"&channel={channel}" if channel else "")
            status, body = api(local_stack, "GET", query, token)
            assert status == 200
            counts[channel or "all"] = int(body["figures"]["opened"])
        return counts

    before = opened()
    number = "+1555" + "".join(secrets.choice("0123456789") for _ in range(7))
    assert local_stack.send_inbound(number, "Is the library open on Sunday?")[0] == 200
    assert local_stack.send_inbound("whatsapp:" + number, "Is the pool open on Sunday?")[0] == 200
    chat = requests.Session()
    chat.headers["Origin"] = WIDGET_HOST_ORIGIN
    started = chat.post(f"{local_stack.api_url}/chat/sessions", json={"name": "Rosa"}, timeout=10)
    assert started.status_code == 201, started.text
    chat.headers["Authorization"] = f"Bearer {started.json()['token']}"
    message = {"body": "Is the park open on Sunday?", "client_id": "c-report-split-1"}
    assert chat.post(f"{local_stack.api_url}/chat/messages", json=message, timeout=10).status_code == 202
    after = eventually(lambda: (now := opened())["all"] >= before["all"] + 3 and now, timeout_s=120)
    grown = {key: after[key] - before[key] for key in after}
    assert all(grown[channel] >= 1 for channel in channels), grown  # each under its own channel
    assert grown["all"] == sum(grown[channel] for channel in channels), grown  # and none under no channel

    # The page's channel filter shows the same figures.
    with new_page(chromium, SIZES[0]) as (page, watch):
        open_reports(page, local_stack)
        figure = card(page, "Conversations opened").locator(".report-value")
        page.locator("#reports-view").get_by_label("Channel").select_option("webchat")
        with page.expect_response(lambda r: "/api/reports?" in r.url and "channel=webchat" in r.url):
            page.get_by_role("button", name="Show report").click()
        expect(page.locator("#report-status")).to_contain_text("Report for")
        assert int(figure.inner_text()) >= after["webchat"]
        assert_clean(watch)
