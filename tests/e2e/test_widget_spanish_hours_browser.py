"""The web chat widget out of hours in Spanish (issue 20): the agency's hours and the next opening are written
in Spanish on the agency's clock ("lun-vie 8:00-17:00", "martes, 8:00"), never "Mon-Fri" or UTC. The server's
availability is made "closed" on its way to the page (the stack's hours are open all day), in the shape the
chat API answers. Axe clean."""

from __future__ import annotations

import json

from playwright.sync_api import Route, expect

from tests.e2e.browser import PHONE, browser_test_marks, new_page
from tests.e2e.test_widget_browser import assert_axe_clean, chromium, host_pages  # noqa: F401 - fixtures

pytestmark = browser_test_marks()

CLOSED = {
    "open": False,
    "hours": "Mon-Fri 08:00-17:00",
    "timezone": "America/New_York",
    "next_open": "2026-12-08T13:00:00+00:00",  # Tuesday 08:00 in New York, 13:00 UTC
}


def closed(route: Route) -> None:
    response = route.fetch()
    body = response.json()
    if isinstance(body, dict) and "availability" in body:
        body["availability"] = {**body["availability"], **CLOSED}
    route.fulfill(response=response, body=json.dumps(body))


def test_out_of_hours_notice_in_spanish_on_the_agencys_clock(chromium, host_pages) -> None:  # noqa: F811
    allowed, _ = host_pages
    with new_page(chromium, PHONE, timezone_id="Asia/Tokyo") as (
        page,
        watch,
    ):  # the reader's clock is not the agency's
        page.route("**/chat/sessions", closed)
        page.route("**/chat/messages*", closed)
        page.goto(allowed + "es")
        page.get_by_role("button", name="Chatee con nosotros").click()
        page.get_by_label("Su mensaje").fill("¿Abren mañana?")
        page.keyboard.press("Enter")
        notice = page.get_by_text("Estamos fuera del horario de atención")
        expect(notice).to_be_visible()
        text = notice.inner_text()
        assert "(lun-vie 8:00-17:00)" in text, text
        assert "después de martes, 8:00" in text, text
        assert "Mon" not in text and "13:00" not in text and "22:00" not in text, text
        assert_axe_clean(page, "the closed widget in Spanish")
        assert watch.page_errors == []
