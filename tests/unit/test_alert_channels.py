"""Issue 22: an alert on each channel a resident chose, exactly once per (alert, resident, channel): what a
voice call says (TwiML per language, repeat on a key, goodbye), what an email carries (text and HTML parts,
one-click unsubscribe headers, an inline picture), the sender's rules per channel, and SES's bounces and
complaints written to the consent ledger."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from datetime import datetime
from email import message_from_bytes, policy
from typing import Any

import pytest
from alerts.logic.alert_messages import alert_call_twiml, alert_email
from alerts.logic.audience import Subscriber
from alerts.logic.costs import estimate_cost
from alerts.logic.delivery import CHANNEL_UNAVAILABLE, AlertMessage, DeliveryOutcome, deliver
from alerts.logic.email_consent import SesEvent, apply_ses_event
from alerts.logic.fanout import plan
from alerts.logic.unsubscribe_page import unsubscribe
from alerts.models.alerts import DeliveryJob, PlanJob, delivery_key, split_delivery_key
from inbox.models.consent import ConsentState
from switchboard.statuses import rank_of
from switchboard.twilio_sms import SentSms

from tests.unit.fakes import InMemoryConsent
from tests.unit.test_alert_delivery import ALERT, NOON, SUBSCRIBED, Sms, Store, deps

PHONE = "+15555550100"
REPEAT = "https://api.example.gov/twilio/alert-calls/al0123456789abcdef?lang=es"


def test_a_call_says_the_alert_in_the_residents_language_and_repeats_on_a_key() -> None:
    twiml = alert_call_twiml(body="Hierva el agua.", language="es", agency="Demo County", repeat_url=REPEAT)
    root = ET.fromstring(twiml)  # noqa: S314 - our own output
    gather = root.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1" and gather.get("action") == REPEAT
    spoken = [(say.get("language"), say.text) for say in gather.findall("Say")]
    assert spoken == [
        ("es-US", "Esta es una alerta de Demo County. Hierva el agua."),
        ("es-US", "Para escuchar este mensaje otra vez, oprima cualquier tecla."),
    ]
    # No key within the wait: goodbye, in Spanish too.
    assert [(s.get("language"), s.text) for s in root.findall("Say")] == [("es-US", "Adiós.")]
    # The repeat leaves out who it is from; markup in a text is spoken as text, never read as TwiML.
    again = ET.fromstring(  # noqa: S314
        alert_call_twiml(body="<Hangup/> & go", language="vi", agency="A", repeat_url=REPEAT, repeated=True)
    )
    first = again.find("Gather/Say")
    assert first is not None and first.text == "<Hangup/> & go" and first.get("language") == "vi-VN"
    assert again.find(".//Hangup") is None


def test_an_email_has_text_html_an_inline_picture_and_one_click_unsubscribe() -> None:
    message = alert_email(
        body="Boil water <now>.\nUntil Friday.",
        language="en",
        agency="Demo County",
        sender="alerts@demo.example.gov",
        to="ana@example.org",
        unsubscribe_url="https://api.example.gov/u/0123",
        image=(b"\x89PNG fake", "image/png"),
    )
    raw = message.as_bytes()
    assert max(raw) < 128  # 7-bit: quoted-printable / base64 parts, encoded headers
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["List-Unsubscribe"] == "<https://api.example.gov/u/0123>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["Subject"] == "Alert from Demo County" and parsed["Content-Language"] == "en"
    text = parsed.get_body(("plain",))
    html = parsed.get_body(("html",))
    assert text is not None and html is not None
    assert (
        "Boil water <now>." in text.get_content() and "https://api.example.gov/u/0123" in text.get_content()
    )
    html_text = html.get_content()
    assert "Boil water &lt;now&gt;." in html_text and "<now>" not in html_text
    assert 'src="cid:alert-image"' in html_text and 'href="https://api.example.gov/u/0123"' in html_text
    images = [part for part in parsed.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-ID"] == "<alert-image>"


def test_the_composer_preview_costs_each_channel_and_the_picture() -> None:
    plain = estimate_cost({"sms": 100, "voice": 10, "email": 1000}, segments=2, characters=200, image=False)
    assert plain.by_channel == {"sms": 1.66, "voice": 0.14, "email": 0.1}
    with_image = estimate_cost({"sms": 100}, segments=2, characters=200, image=True)
    assert with_image.by_channel["sms"] == 2.2 and with_image.image


def test_delivery_keys_keep_texts_as_they_were_and_name_other_channels() -> None:
    assert delivery_key(PHONE, "sms") == PHONE
    assert split_delivery_key(delivery_key(PHONE, "email")) == (PHONE, "email")
    assert split_delivery_key(PHONE) == (PHONE, "sms")


# --- the planner: one job per channel chosen ------------------------------------------------------------


class PlannerStore:
    def __init__(self, subscribers: list[Subscriber]) -> None:
        self.subs = subscribers
        self.started: list[tuple[int, dict[str, int]]] = []

    def get_alert(self, alert_id: str, *, consistent: bool = False) -> Any:
        return dataclasses.replace(ALERT, status="scheduled")

    def subscribers(self, topic: str) -> list[Subscriber]:
        return self.subs

    def start_sending(self, alert_id: str, audience: int, at: str, *, by_channel: Any = None) -> bool:
        self.started.append((audience, dict(by_channel)))
        return True

    def mark_enqueued(self, alert_id: str, at: str) -> None:
        pass

    def wave(self, alert_id: str, wake_at: str) -> Any:
        return iter(())


class Queue:
    def __init__(self) -> None:
        self.jobs: list[DeliveryJob] = []

    def enqueue(self, jobs: Any) -> None:
        self.jobs += list(jobs)


def test_the_planner_enqueues_one_job_per_resident_and_channel_chosen() -> None:
    store = PlannerStore(
        [
            Subscriber("+15555550101", (), "en"),
            Subscriber("+15555550102", (), "es", ("email", "sms", "voice")),
            Subscriber("+15555550103", (), None, ("email",)),
        ]
    )
    queue = Queue()
    result = plan(PlanJob(kind="alert.plan", alert_id=ALERT.alert_id), store, queue)  # type: ignore[arg-type]
    assert result.enqueued == 5
    assert sorted((j.address[-3:], j.channel) for j in queue.jobs) == [
        ("101", "sms"),
        ("102", "email"),
        ("102", "sms"),
        ("102", "voice"),
        ("103", "email"),
    ]
    assert store.started == [(5, {"sms": 2, "voice": 1, "email": 2})]


# --- the sender, per channel ---------------------------------------------------------------------------


class Gateway:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.sent: list[AlertMessage] = []

    def send(self, message: AlertMessage) -> SentSms:
        self.sent.append(message)
        return SentSms(sid=f"{self.prefix}{len(self.sent):032x}", status="queued")

    def find_sent(self, message: AlertMessage, since: datetime) -> SentSms | None:
        return None


def channel_job(channel: str) -> DeliveryJob:
    return DeliveryJob(
        kind="alert.deliver",
        alert_id=ALERT.alert_id,
        address=PHONE,
        language="es",
        channel=channel,  # type: ignore[arg-type]
    )


def channel_deps(store: Store, gateways: dict[str, Gateway]) -> Any:
    return dataclasses.replace(deps(store, Sms(), NOON), channels=gateways)


def test_each_channel_is_sent_once_and_counted_under_its_own_figures() -> None:
    consent = {**SUBSCRIBED, "channels": ["sms", "voice", "email"], "email": "ana@example.org"}
    store = Store(consent=consent)
    voice, email = Gateway("CA"), Gateway("ses-")
    sms = Sms()
    dependencies = dataclasses.replace(deps(store, sms, NOON), channels={"voice": voice, "email": email})
    for channel in ("sms", "voice", "email"):
        assert deliver(channel_job(channel), dependencies) is DeliveryOutcome.SENT
        assert deliver(channel_job(channel), dependencies) is DeliveryOutcome.DUPLICATE
    assert sms.sent == [(PHONE, "Hierva el agua.")]
    assert [(m.to, m.language, m.body) for m in voice.sent] == [(PHONE, "es", "Hierva el agua.")]
    assert [(m.to, m.address) for m in email.sent] == [("ana@example.org", PHONE)]
    assert set(store.deliveries) == {PHONE, f"{PHONE}#voice", f"{PHONE}#email"}


def test_a_channel_the_resident_gave_up_since_planning_is_not_used() -> None:
    store = Store(consent={**SUBSCRIBED, "channels": ["sms"], "email": "ana@example.org"})
    email = Gateway("ses-")
    assert deliver(channel_job("email"), channel_deps(store, {"email": email})) is DeliveryOutcome.OPTED_OUT
    assert email.sent == [] and store.deliveries[f"{PHONE}#email"]["state"] == "opted_out"


def test_without_a_configured_gateway_the_delivery_fails_with_a_reason_and_is_not_lost() -> None:
    store = Store(consent={**SUBSCRIBED, "channels": ["voice"]})
    assert deliver(channel_job("voice"), channel_deps(store, {})) is DeliveryOutcome.REJECTED
    assert store.deliveries[f"{PHONE}#voice"]["error_code"] == CHANNEL_UNAVAILABLE


def test_email_is_sent_in_quiet_hours_but_a_call_waits_for_the_morning() -> None:
    night = datetime(2026, 12, 5, 7, 0, tzinfo=NOON.tzinfo)  # 02:00 in New York
    consent = {**SUBSCRIBED, "channels": ["voice", "email"], "email": "ana@example.org"}
    store = Store(consent=consent)
    voice, email = Gateway("CA"), Gateway("ses-")
    dependencies = dataclasses.replace(deps(store, Sms(), night), channels={"voice": voice, "email": email})
    assert deliver(channel_job("email"), dependencies) is DeliveryOutcome.SENT
    assert deliver(channel_job("voice"), dependencies) is DeliveryOutcome.WAITING
    assert voice.sent == [] and len(email.sent) == 1


# --- SES events and the unsubscribe link -----------------------------------------------------------------


class SentEmails:
    def __init__(self) -> None:
        self.moves: list[tuple[str, str, str, str | None]] = []

    def sid_alert(self, sid: str) -> dict[str, Any] | None:
        if sid != "ses-1":
            return None
        return {"alert_id": ALERT.alert_id, "address": PHONE, "channel": "email"}

    def advance(
        self, alert_id: str, address: str, *, status: str, rank: int, bucket: str, reason: str | None
    ) -> bool:
        assert rank == rank_of(status)
        self.moves.append((address, status, bucket, reason))
        return True


def ses_event(event_type: str, message_id: str = "ses-1", bounce_type: str = "Permanent") -> SesEvent:
    detail: dict[str, Any] = {"eventType": event_type, "mail": {"messageId": message_id, "tags": {}}}
    if event_type == "Bounce":
        detail["bounce"] = {"bounceType": bounce_type, "bouncedRecipients": [{"emailAddress": "x@y.org"}]}
    return SesEvent.model_validate({"source": "aws.ses", "detail-type": "Email Bounced", "detail": detail})


def email_subscriber() -> InMemoryConsent:
    ledger = InMemoryConsent()
    ledger.states[PHONE] = ConsentState(
        address=PHONE, topics=frozenset({"WATER"}), channels=frozenset({"sms", "email"}), email="x@y.org"
    )
    return ledger


def test_a_permanent_bounce_stops_email_alerts_and_fails_the_figure_once() -> None:
    emails, ledger = SentEmails(), email_subscriber()
    assert (
        apply_ses_event(
            ses_event("Bounce"), emails=emails, ledger=ledger, now=lambda: "2026-12-07T10:00:00.000000Z"
        )
        == "bounced"
    )
    assert (
        apply_ses_event(
            ses_event("Bounce"), emails=emails, ledger=ledger, now=lambda: "2026-12-07T10:00:00.000000Z"
        )
        == "bounced"
    )
    state = ledger.load_state(PHONE)
    assert state.channels == {"sms"} and state.topics == {"WATER"}
    assert [(c.medium, c.action, c.source) for c in ledger.ledger.values()] == [
        ("email", "opt_out", "email_bounce")
    ]
    assert emails.moves[0] == (f"{PHONE}#email", "failed", "failed", "email_bounce")


def test_a_transient_bounce_or_an_unknown_email_changes_nothing() -> None:
    emails, ledger = SentEmails(), email_subscriber()
    assert (
        apply_ses_event(ses_event("Bounce", bounce_type="Transient"), emails=emails, ledger=ledger)
        == "ignored"
    )
    assert apply_ses_event(ses_event("Bounce", message_id="other"), emails=emails, ledger=ledger) == "ignored"
    assert ledger.ledger == {} and emails.moves == []


def test_a_complaint_stops_email_alerts() -> None:
    emails, ledger = SentEmails(), email_subscriber()
    assert apply_ses_event(ses_event("Complaint"), emails=emails, ledger=ledger) == "complained"
    assert not ledger.load_state(PHONE).alerts_by("email") and emails.moves == []


class Tokens:
    def unsubscribe_address(self, token: str) -> str | None:
        return PHONE if token == "a" * 32 else None


def test_the_unsubscribe_link_asks_on_get_and_stops_on_post_in_the_residents_language() -> None:
    ledger = email_subscriber()
    ledger.states[PHONE] = dataclasses.replace(ledger.states[PHONE], language="es")
    page = unsubscribe("GET", "a" * 32, "", tokens=Tokens(), ledger=ledger, agency="Demo")  # type: ignore[arg-type]
    assert (
        page["statusCode"] == 200
        and '<html lang="es">' in page["body"]
        and '<form method="post">' in page["body"]
    )
    assert "default-src 'none'" in page["headers"]["Content-Security-Policy"]
    assert ledger.load_state(PHONE).alerts_by("email")  # a GET (a link scanner) changes nothing

    done = unsubscribe(
        "POST", "a" * 32, "List-Unsubscribe=One-Click", tokens=Tokens(), ledger=ledger, agency="Demo"
    )  # type: ignore[arg-type]
    assert done["statusCode"] == 200 and "ya no recibirá alertas por correo" in done["body"]
    assert not ledger.load_state(PHONE).alerts_by("email") and ledger.load_state(PHONE).alerts_by("sms")
    assert [(c.source, c.medium) for c in ledger.ledger.values()] == [("unsubscribe_link", "email")]


@pytest.mark.parametrize("token", ["b" * 32, "../etc", ""])
def test_an_unknown_unsubscribe_token_is_a_404_that_changes_nothing(token: str) -> None:
    ledger = email_subscriber()
    page = unsubscribe("POST", token, "", tokens=Tokens(), ledger=ledger, agency="Demo")  # type: ignore[arg-type]
    assert page["statusCode"] == 404 and ledger.ledger == {}


# --- the repeat key's webhook ----------------------------------------------------------------------------


class OneAlert:
    def get_alert(self, alert_id: str, *, consistent: bool = False) -> Any:
        return ALERT if alert_id == ALERT.alert_id else None


AUTH_TOKEN = "local-test-token"  # noqa: S105 - a test's own value


def repeat_post(
    query: str, *, token: str = AUTH_TOKEN, account: str = "AC1", alert_id: str = ALERT.alert_id
) -> Any:
    from channels.models.webhooks import TwilioPost
    from switchboard.twilio_signature import compute_signature, parse_form

    form = f"AccountSid={account}&CallSid=CA1&Digits=1"
    url = f"https://api.example.gov/twilio/alert-calls/{alert_id}?{query}"
    return TwilioPost(form, False, compute_signature(token, url, parse_form(form)), query)


def answer(post: Any, alert_id: str = ALERT.alert_id) -> Any:
    from channels.logic.alert_call import answer_alert_call
    from switchboard.twilio_credentials import TwilioCredentials

    return answer_alert_call(
        post,
        alert_id,
        credentials=lambda: TwilioCredentials("AC1", AUTH_TOKEN),
        public_api_url="https://api.example.gov",
        alerts=OneAlert(),
        agency=lambda: "Demo",
    )


def test_a_signed_key_press_hears_the_alert_again_in_the_same_language() -> None:
    reply = answer(repeat_post("lang=es"))
    assert reply.status_code == 200 and reply.content_type == "text/xml"
    said = ET.fromstring(reply.body).find("Gather/Say")  # noqa: S314
    assert said is not None and said.text == "Hierva el agua." and said.get("language") == "es-US"


@pytest.mark.parametrize(
    "post",
    [
        lambda: repeat_post("lang=es", token="not-ours"),  # signed with another token
        lambda: repeat_post("lang=es", account="AC2"),  # another account
        lambda: dataclasses.replace(repeat_post("lang=es"), raw_query_string="lang=en"),  # query changed
    ],
)
def test_an_unsigned_or_foreign_key_press_is_refused(post: Any) -> None:
    assert answer(post()).status_code == 403


def test_a_key_press_for_an_unknown_alert_hangs_up() -> None:
    other = "al0000000000000000"
    assert "<Hangup/>" in answer(repeat_post("lang=es", alert_id=other), alert_id=other).body


class CountingWindows:
    def __init__(self) -> None:
        self.taken = 0

    def take(self, window: int, want: int, limit: int) -> int:
        self.taken += 1
        return want


def test_calls_and_emails_are_paced_by_their_own_windows_not_the_texts() -> None:
    from alerts.logic.pacing import RateLimiter

    consent = {**SUBSCRIBED, "channels": ["sms", "voice", "email"], "email": "ana@example.org"}
    texts, calls, emails = CountingWindows(), CountingWindows(), CountingWindows()
    dependencies = dataclasses.replace(
        deps(Store(consent=consent), Sms(), NOON),
        limiter=RateLimiter(texts, 10),
        channels={"voice": Gateway("CA"), "email": Gateway("ses-")},
        channel_limiters={"voice": RateLimiter(calls, 1), "email": RateLimiter(emails, 10)},
    )
    deliver(channel_job("voice"), dependencies)
    assert (texts.taken, calls.taken, emails.taken) == (0, 1, 0)
    deliver(channel_job("email"), dependencies)
    deliver(channel_job("sms"), dependencies)
    assert (texts.taken, calls.taken, emails.taken) == (1, 1, 1)
