"""The local stack, started once for the e2e tier on free ports, from the same template `cdk deploy` uses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from infra.local.seed import seed_demo
from infra.local.stack import DEMO_AGENCY_NUMBER, LocalStack, LocalStackConfig
from tests.e2e.browser import launch_chromium, require_chromium
from tests.e2e.widget_hosts import DEMO_SITE_ORIGIN, WIDGET_HOST_ORIGIN


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Every test marked `browser`, whatever its module says: skipped without chromium on a workstation (and
    listed in the summary by `-ra`), failed under CI=true. Before any fixture, so no stack starts for it."""
    if item.get_closest_marker("browser") is not None:
        require_chromium()


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    # Time acceleration: a failed record is retried after 2 s instead of the template's minutes, so the
    # dead-letter path can be shown in a test. Handlers answer well inside 2 s here.
    # Workflows run 300 times faster: a 10-minute escalation takes 8 s (the floor for task timeouts), the
    # 30-minute wait before a callback's second attempt 6 s.
    parameters = {
        "TwilioFromNumber": DEMO_AGENCY_NUMBER,
        "ChatAllowedOrigins": f"{WIDGET_HOST_ORIGIN},{DEMO_SITE_ORIGIN}",
    }
    config = LocalStackConfig.on_free_ports(visibility_timeout_s=2, time_scale=300, parameters=parameters)
    stack = LocalStack(config).start()
    try:
        seed_demo(stack)
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One headless chromium per browser test module (modules may still define their own)."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
