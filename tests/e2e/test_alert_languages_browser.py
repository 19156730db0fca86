"""The alert composer warns, before sending, how many subscribers of each language will get another language's
text, and offers a machine translation for review (issue 20): the local stack's Translate stand-in drafts the
Spanish text, marked as a stand-in's, into the Spanish box; nothing is sent until the supervisor previews
again and sends. The supervisor's own Spanish text has its accents named as forcing Unicode. Axe clean."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import expect

from infra.local.stack import DEMO_AGENT_EMAIL
from tests.e2e.browser import DESKTOP, browser_test_marks, new_page
from tests.e2e.test_agent_browser import assert_axe_clean, assert_clean
from tests.e2e.test_consent_e2e import bodies_to, eventually, resident
from tests.e2e.test_workspace_browser import sign_in_as

pytestmark = browser_test_marks()

ZIP = "94158"


def subscriber(local_stack, join: str) -> str:
    phone = resident()
    local_stack.send_inbound(phone, join)
    eventually(lambda: len(bodies_to(local_stack, phone)) == 1, timeout_s=30)
    local_stack.send_inbound(phone, ZIP)
    eventually(lambda: len(bodies_to(local_stack, phone)) == 2, timeout_s=30)
    return phone


def test_an_english_only_alert_warns_of_the_spanish_readers_and_a_spanish_text_clears_it(
    chromium, local_stack
) -> None:
    for join in ("ALTA ESTACIONAMIENTO", "alta estacionamiento", "JOIN PARKING"):
        subscriber(local_stack, join)
    url = local_stack.api_url.rstrip("/") + "/"
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in_as(page, url, DEMO_AGENT_EMAIL)
        page.get_by_role("link", name="Alerts").click()
        view = page.locator("#alerts-view")
        view.get_by_label("Title (staff only)").fill(f"Sweeping {secrets.token_hex(3)}")
        view.get_by_label("Parking").check()
        view.get_by_label("Zones (none chosen: every zone)").select_option(value=f"zip:{ZIP}")
        view.get_by_label("English text").fill("Street sweeping tomorrow 8-10 am: please move your car.")
        view.get_by_role("button", name="Preview").click()

        warning = view.locator('[data-fallback="es"]')
        expect(warning).to_have_text(
            "2 residents read Spanish and will get the English text: no Spanish text is written."
        )
        expect(view.locator('[data-fallback="en"]')).to_have_count(0)
        assert_axe_clean(page, "the composer warning of Spanish readers")

        # The offer to translate fills the Spanish box with a draft (the stand-in marks its own), says what
        # it is, and makes the preview stale: Send waits for a person to preview again
        view.locator('[data-translate="es"]').click()
        expect(view.get_by_label("Spanish text")).to_have_value(re.compile(r"^\[stand-in en→es\] "))
        expect(view.locator("#alert-translate-status")).to_contain_text(
            "Spanish text drafted by machine translation"
        )
        expect(view.locator("#alert-translate-status")).to_contain_text("not a real translation")
        expect(view.locator("#alert-preview")).to_contain_text("Changed since the preview")
        expect(page.locator("#alert-send")).to_be_disabled()
        assert_axe_clean(page, "the composer with a machine-translated draft")

        view.get_by_label("Spanish text").fill(
            "Barrido de calles mañana de 8 a 10: por favor mueva su carro. Gracias, atención"
        )
        view.get_by_role("button", name="Preview").click()
        expect(view.locator('[data-fallback="es"]')).to_have_count(0)
        expect(view.locator("#alert-preview")).to_contain_text("Spanish is sent as Unicode")
        expect(view.locator("#alert-preview")).to_contain_text("“ó”")
        assert_axe_clean(page, "the composer with a Spanish text")
        assert_clean(watch)
