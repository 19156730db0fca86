"""Issue 22 in the alert composer (a real browser, the local stack): the preview counts residents per channel
they chose and estimates the cost per channel (a picture makes texts MMS); once sent, the alert shows its
calls' and emails' own figures. Axe clean."""

from __future__ import annotations

import json
import re
import secrets

from playwright.sync_api import expect

from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD
from tests.e2e.browser import DESKTOP, browser_test_marks, new_page
from tests.e2e.test_agent_browser import assert_axe_clean, assert_clean
from tests.e2e.test_consent_e2e import resident
from tests.e2e.test_local_stack_api import call
from tests.e2e.test_workspace_browser import sign_in_as

pytestmark = browser_test_marks()


def test_the_composer_previews_channels_and_cost_and_the_alert_shows_each_channels_figures(
    chromium, local_stack
):
    zip_code = "9" + "".join(secrets.choice("0123456789") for _ in range(4))
    tag = secrets.token_hex(3)
    csv = (
        "phone,topics,zip,channels,email\n"
        f"{resident()},PARKING,{zip_code},sms,\n"
        f"{resident()},PARKING,{zip_code},voice,\n"
        f"{resident()},PARKING,{zip_code},email,e-{tag}@example.org\n"
    )
    supervisor = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    status, _, body = call(
        local_stack, "POST", "/api/subscribers/import", supervisor, {"csv": csv, "source": "browser test"}
    )
    assert status == 200 and json.loads(body)["imported"] == 3, body
    title = f"Tow-away {tag}"
    url = local_stack.api_url.rstrip("/") + "/"
    with new_page(chromium, DESKTOP) as (page, watch):
        sign_in_as(page, url, DEMO_AGENT_EMAIL)
        page.get_by_role("link", name="Alerts").click()
        view = page.locator("#alerts-view")
        view.get_by_label("Title (staff only)").fill(title)
        view.get_by_label("Parking").check()
        view.get_by_label("Zones (none chosen: every zone)").select_option(value=f"zip:{zip_code}")
        view.get_by_label("English text").fill("Tow-away zone on Elm St from 8 am: move your car.")
        view.get_by_label("Emergency: may go out during quiet hours").check()
        view.get_by_label("Why this is an emergency (kept with the alert)").fill("Tow trucks at 8")
        picture = view.get_by_label("Picture (optional): its https address")
        picture.fill("https://city.example.gov/tow-map.png")
        page.get_by_role("button", name="Preview audience and segments").click()
        preview = page.locator("#alert-preview")
        expect(preview).to_contain_text("By channel: 1 text, 1 call, 1 email.")
        expect(preview).to_contain_text(
            "Estimated cost at list prices: $0.0361 (texts $0.0220, calls $0.0140, emails $0.0001)."
        )
        expect(preview).to_contain_text("Texts go as MMS because of the picture.")
        assert_axe_clean(page, "the alert composer's preview by channel")

        # Without the picture (the local stack reaches nothing past this machine), previewed again, sent.
        picture.fill("")
        page.get_by_role("button", name="Preview audience and segments").click()
        expect(preview).not_to_contain_text("MMS")
        page.locator("#alert-send").click()
        item = page.locator("#alert-list li.notice", has_text=title)
        expect(item).to_contain_text("Calls: 1 delivered", timeout=30_000)  # its status callback came back
        expect(item).to_contain_text("Emails: 1 sent", timeout=30_000)
        assert_axe_clean(page, "an alert's figures per channel")
        assert_clean(watch)


def test_a_resident_chooses_calls_and_email_on_the_spanish_sign_up_page_at_360_px(chromium, local_stack):
    from inbox.dal.consent_table import ConsentTable

    from tests.e2e.browser import PHONE
    from tests.e2e.test_consent_e2e import bodies_to, eventually, table

    phone = resident()
    email = f"ana-{secrets.token_hex(3)}@example.org"
    with new_page(chromium, PHONE) as (page, watch):
        page.goto(local_stack.api_url.rstrip("/") + "/signup.html?lang=es")
        page.get_by_label("Número de teléfono móvil").fill(phone)
        page.get_by_label("servicio de agua").check()
        page.get_by_role("checkbox", name="Mensaje de texto").uncheck()
        page.get_by_role("checkbox", name="Llamada telefónica").check()
        page.get_by_role("checkbox", name="Correo electrónico", exact=True).check()
        page.get_by_role("button", name="Suscribirme").click()
        # Email alerts need an address: said in Spanish, at the field.
        expect(page.get_by_label("Dirección de correo electrónico")).to_be_focused()
        expect(page.locator("#email-error")).to_have_text(
            "Escriba un correo electrónico, por ejemplo nombre@ejemplo.org."
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert_axe_clean(page, "the Spanish sign-up page with the channels and an email error")
        page.get_by_label("Dirección de correo electrónico").fill(email)
        page.get_by_role("button", name="Suscribirme").click()
        expect(page.get_by_role("status")).to_contain_text("Casi listo")
        assert_clean(watch)

    eventually(lambda: bodies_to(local_stack, phone), timeout_s=30)
    local_stack.send_inbound(phone, "Sí")
    ledger = ConsentTable(table(local_stack))
    state = eventually(lambda: (s := ledger.load_state(phone)).topics and s, timeout_s=30)
    assert state.channels == {"voice", "email"} and state.email == email and state.language == "es"


def test_the_resident_simulator_shows_the_alert_emails_sent_to_an_address(chromium, local_stack):
    # Given a subscriber who chose email, and an alert sent to them (SES on moto)
    tag = secrets.token_hex(3)
    email = f"sim-{tag}@example.org"
    zip_code = "8" + "".join(secrets.choice("0123456789") for _ in range(4))
    supervisor = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    csv = f"phone,topics,zip,channels,email\n{resident()},PARKING,{zip_code},email,{email}\n"
    status, _, body = call(
        local_stack, "POST", "/api/subscribers/import", supervisor, {"csv": csv, "source": "simulator test"}
    )
    assert status == 200, body
    text = f"Street fair {tag}: Elm St closed Saturday."
    request = {
        "title": f"Fair {tag}",
        "topics": ["PARKING"],
        "zones": [f"zip:{zip_code}"],
        "texts": {"en": text},
        "emergency": True,
        "emergency_reason": "Road closure",
    }
    assert call(local_stack, "POST", "/api/alerts", supervisor, request)[0] == 201

    # When the person playing the resident types that address in the simulator
    with new_page(chromium, DESKTOP) as (page, watch):
        page.goto(local_stack.twilio.url + "/simulator/")
        page.get_by_label("Your email address (alerts by email)").fill(email)
        page.get_by_label("Your email address (alerts by email)").press("Tab")

        # Then the email is there, as text, with its one-click unsubscribe link
        mailbox = page.locator("#emails")
        expect(mailbox).to_contain_text(text, timeout=30_000)
        expect(mailbox.get_by_role("link", name="Unsubscribe (List-Unsubscribe)")).to_have_attribute(
            "href", re.compile(r"/u/[0-9a-f]{32}$")
        )
        assert_axe_clean(page, "the resident simulator with an alert email")
        assert_clean(watch)
