"""The agent page's callback panel in a real browser: a due callback is taken and closed; axe is clean."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.e2e import test_agent_browser
from tests.e2e.browser import (
    DESKTOP,
    axe_violations,
    browser_test_marks,
    describe_violations,
    new_page,
)
from tests.e2e.test_agent_browser import sign_in
from tests.e2e.test_callback_workflow import book, execution, thread_of
from tests.e2e.test_local_stack_api import eventually, resident

pytestmark = browser_test_marks()


chromium = test_agent_browser.chromium  # the same module-scoped browser fixture


def test_take_a_due_callback_and_mark_it_done(chromium, local_stack) -> None:
    thread_id = thread_of(local_stack, resident())
    callback_id = book(local_stack, thread_id, timedelta(minutes=5), timedelta(minutes=3))
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in(page, local_stack.api_url.rstrip("/") + "/")
        page.get_by_role("link", name="Callbacks").click()
        expect(page.get_by_role("heading", name="Callbacks", exact=True)).to_be_focused()
        task = page.locator(
            ".callback-task", has=page.get_by_role("link", name="Open the conversation")
        ).filter(has=page.locator(f'a[href="#thread/{thread_id}"]'))
        # Due, or already escalated if the page was slow (a supervisor sees and may take both).
        expect(task).to_contain_text(re.compile("Due now|Escalated"), timeout=20_000)
        violations = axe_violations(page)
        assert violations == [], describe_violations(violations)
        task.get_by_role("button", name="Take").click()
        expect(task).to_contain_text("On the call", timeout=15_000)
        task.get_by_role("button", name="Done").click()
        expect(task).to_have_count(0, timeout=15_000)
        assert watch.page_errors == []
        assert watch.csp_violations() == []
    result = eventually(lambda: (e := execution(local_stack, callback_id))["status"] != "RUNNING" and e, 30)
    assert result["status"] == "SUCCEEDED"
