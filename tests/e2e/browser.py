"""Real-browser helpers for the e2e tests: Debian's chromium through Playwright, axe-core, and a CSP watch.

Playwright never downloads a browser here: it drives /usr/bin/chromium (`make browser` installs it), and every
request to anything but 127.0.0.1 is aborted, so a test cannot reach past this machine even by mistake.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Locator, Page, Playwright, Route

CHROMIUM_PATH = os.environ.get("SWITCHBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}

# WCAG 2.1 A/AA plus axe's best practices (landmarks, one h1, heading order): the page is held to all of them.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}

# Installed before any page script runs (through DevTools, so the page's CSP does not apply to it): records
# every CSP violation the page reports, whether or not anything logs it.
_CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample});
}, true);
"""


MISSING_CHROMIUM = f"chromium is not installed at {CHROMIUM_PATH} (make browser)"


def chromium_available() -> bool:
    return Path(CHROMIUM_PATH).is_file() and os.access(CHROMIUM_PATH, os.X_OK)


def on_ci() -> bool:
    """CI=true (GitHub Actions, GitLab and most runners set it): a browser test must run there, never skip."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def browser_test_marks() -> list[pytest.MarkDecorator]:
    """`pytestmark` of a browser test module. Without chromium, tests/e2e/conftest.py skips these tests on a
    workstation (the summary lists each skip and why) and fails them under CI=true."""
    return [pytest.mark.browser, pytest.mark.e2e]


def require_chromium() -> None:
    """Before a `browser` test: skip it where chromium is missing, fail it on CI."""
    if chromium_available():
        return
    if on_ci():
        pytest.fail(f"{MISSING_CHROMIUM}: under CI=true browser tests fail, never skip", pytrace=False)
    pytest.skip(MISSING_CHROMIUM)


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)


def _only_local(route: Route) -> None:
    host = urlsplit(route.request.url).hostname or ""
    if route.request.url.startswith(("blob:", "data:")) or host in LOCAL_HOSTS:
        route.continue_()
    else:
        route.abort("blockedbyclient")


@dataclass
class PageWatch:
    """What a page said that a test should see: console errors, uncaught exceptions, CSP violations."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[dict]:
        recorded = self.page.evaluate("window.__cspViolations || []")
        logged = [m for m in self.console_errors if "Content Security Policy" in m]
        return list(recorded) + [{"console": m} for m in logged]


@contextmanager
def new_page(
    browser: Browser, viewport: dict | None = None, **context_options
) -> Iterator[tuple[Page, PageWatch]]:
    """A fresh context and page (own sessionStorage), talking only to 127.0.0.1, with its errors recorded."""
    context: BrowserContext = browser.new_context(viewport=viewport or DESKTOP, **context_options)
    context.route("**/*", _only_local)
    context.add_init_script(_CSP_RECORDER)
    page = context.new_page()
    watch = PageWatch(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watch.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    try:
        yield page, watch
    finally:
        context.close()


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core on the page as it is now; returns the violations (empty when it passes)."""
    return Axe().run(page, options=AXE_OPTIONS).response["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')}")
    return "\n".join(lines)


def thread_action(page: Page, name: str) -> Locator:
    """A conversation action: on the toolbar, or (when the pane is too narrow) in the More menu, opened."""
    # Two frames: the toolbar has measured itself (a ResizeObserver) since the conversation opened.
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    button = page.locator("#tool-row, #more-menu").get_by_role("button", name=name, exact=True)
    if not button.is_visible():
        more = page.get_by_role("button", name="More actions")
        if more.get_attribute("aria-expanded") != "true":
            more.click()
    return button
