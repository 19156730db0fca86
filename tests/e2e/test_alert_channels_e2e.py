"""Issue 22 on the local stack: an alert to subscribers who chose different channels (texts, voice calls,
email; by the sign-up page and by a CSV import), one of whose emails bounces and one who unsubscribes.

Each (resident, channel) gets the alert exactly once: texts at the local Twilio, calls placed there with
machine detection and the alert said in the resident's language (a key press repeats it through the signed
alert-call route), emails accepted by SES (moto) with one-click unsubscribe headers. SES's bounce (put on
EmailFeedbackQueue as EventBridge would) stops that resident's email and fails the email's figure; the
unsubscribe link's GET changes nothing and its POST stops email. Texts and calls they chose stay."""

from __future__ import annotations

import http.client
import json
import urllib.parse
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from alerts.dal.alerts_table import AlertsTable
from alerts.models.alerts import delivery_key
from inbox.dal.consent_table import ConsentTable
from inbox.models.consent import ConsentState

from infra.local.stack import DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD, LocalStack
from infra.local.template import REGION
from tests.e2e.test_consent_e2e import bodies_to, eventually, resident, table
from tests.e2e.test_local_stack_api import call

pytestmark = pytest.mark.e2e
SIGNUP_SOURCE = "127.0.0.79"  # its own client address: the sign-up allowance others need is not spent here
TEXT = "Water main break on Elm St: boil tap water until Friday."
TEXT_ES = "Rotura de tubería en Elm St: hierva el agua del grifo hasta el viernes."


def emails_to(stack: LocalStack, address: str) -> list[dict[str, Any]]:
    url = f"{stack.twilio.url}/simulator/api/emails?to={urllib.parse.quote(address)}"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the local stack
        return list(json.loads(response.read())["emails"])


def calls_to(stack: LocalStack, number: str) -> list[dict[str, Any]]:
    with stack.twilio.lock:
        return [dict(c) for c in stack.twilio.calls if c["to"] == number]


def sign_up(stack: LocalStack, payload: dict[str, Any]) -> int:
    url = urlsplit(stack.api_url)
    connection = http.client.HTTPConnection(
        url.hostname, url.port, timeout=15, source_address=(SIGNUP_SOURCE, 0)
    )
    try:
        connection.request(
            "POST", "/api/public/signup", json.dumps(payload), {"Content-Type": "application/json"}
        )
        return connection.getresponse().status
    finally:
        connection.close()


def feedback_queue_url(stack: LocalStack) -> str:
    return next(
        ref
        for logical_id, (ref, attrs) in stack.factory.created.items()
        if logical_id.startswith("EmailFeedbackQueue") and "QueueUrl" in attrs
    )


def consent_state(stack: LocalStack, address: str) -> ConsentState:
    return ConsentTable(table(stack)).load_state(address)


def test_an_alert_reaches_each_chosen_channel_once_and_bounces_and_unsubscribes_stop_email(
    local_stack: LocalStack,
) -> None:
    tag = resident()[-7:]
    # A ZIP of this test's own: other tests on the same local stack subscribe to WATER too, and the alert must
    # reach exactly the four residents below.
    zip_code = "8" + tag[-4:]
    everything, bouncing, caller, unsubscriber = (resident() for _ in range(4))
    bounce_email, unsub_email, all_email = (f"{who}-{tag}@example.org" for who in ("bounce", "unsub", "ana"))
    supervisor = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)

    # Given a resident who signed up on the page for texts and email (and confirmed by text) ...
    assert (
        sign_up(
            local_stack,
            {
                "phone": unsubscriber,
                "topics": ["WATER"],
                "zip_code": zip_code,
                "channels": ["sms", "email"],
                "email": unsub_email,
            },
        )
        == 202
    )
    eventually(lambda: any("YES" in b for b in bodies_to(local_stack, unsubscriber)))
    local_stack.send_inbound(unsubscriber, "YES")
    eventually(lambda: consent_state(local_stack, unsubscriber).alerts_by("email"))
    # ... and three imported from a list: every channel (in Spanish), email only, a voice call only
    csv = (
        "phone,topics,zip,language,channels,email\n"
        f"{everything},WATER,{zip_code},es,sms voice email,{all_email}\n"
        f"{bouncing},WATER,{zip_code},,email,{bounce_email}\n"
        f"{caller},WATER,{zip_code},,voice,\n"
    )
    status, _, body = call(
        local_stack, "POST", "/api/subscribers/import", supervisor, {"csv": csv, "source": "issue 22 e2e"}
    )
    assert status == 200 and json.loads(body)["imported"] == 3, body
    # The resident with every channel will press a key during the call: the alert is said again.
    local_stack.twilio._calls.keys[everything] = ["1"]
    # The voice-only resident's voicemail takes the call (Twilio's AnsweredBy on the call's final callback).
    local_stack.twilio._calls.answered_by[caller] = "machine_end_beep"

    # When a supervisor sends an alert (an emergency: the test must not depend on the hour it runs)
    request = {
        "title": "Boil water",
        "topics": ["WATER"],
        "zones": [f"zip:{zip_code}"],
        "texts": {"en": TEXT, "es": TEXT_ES},
        "emergency": True,
        "emergency_reason": "Water main break",
    }
    status, _, body = call(local_stack, "POST", "/api/alerts/preview", supervisor, request)
    assert status == 200 and json.loads(body)["cost"]["by_channel"]["voice"] > 0
    status, _, body = call(local_stack, "POST", "/api/alerts", supervisor, request)
    assert status == 201, body
    alert_id = json.loads(body)["alert"]["alert_id"]

    # Then each chosen channel gets it once
    eventually(lambda: TEXT_ES in bodies_to(local_stack, everything), timeout_s=30)
    eventually(lambda: TEXT in bodies_to(local_stack, unsubscriber), timeout_s=30)
    for email in (all_email, bounce_email, unsub_email):
        eventually(lambda e=email: emails_to(local_stack, e), timeout_s=30)

    def call_ended(number: str) -> bool:
        calls = calls_to(local_stack, number)
        return bool(calls) and calls[0]["status"] == "completed"

    for number in (everything, caller):
        eventually(lambda n=number: call_ended(n), timeout_s=30)

    def alert() -> dict[str, Any]:
        return dict(json.loads(call(local_stack, "GET", f"/api/alerts/{alert_id}", supervisor)[2])["alert"])

    settled = eventually(lambda: (a := alert())["status"] == "sent" and a, timeout_s=30)
    by_channel = settled["figures_by_channel"]
    assert settled["audience_total"] == 2 + 2 + 3  # texts, calls, emails
    assert by_channel["email"]["sent"] == 3
    assert by_channel["voice"]["sent"] + by_channel["voice"]["delivered"] == 2
    assert by_channel["sms"]["sent"] + by_channel["sms"]["delivered"] == 2
    assert bodies_to(local_stack, everything).count(TEXT_ES) == 1 and TEXT not in bodies_to(
        local_stack, caller
    )
    assert TEXT not in bodies_to(local_stack, bouncing)

    [spanish_call] = calls_to(local_stack, everything)
    assert spanish_call["machine_detection"] == "DetectMessageEnd" and spanish_call["pressed"] == ["1"]
    said = [text for language, text in spanish_call["said"] if language == "es-US"]
    assert sum(TEXT_ES in text for text in said) == 2  # once, then again after the key
    [english_call] = calls_to(local_stack, caller)
    assert any(TEXT in text for _, text in english_call["said"])
    # Each call's outcome reached its figure (signed /twilio/calls/status?alert=): a person, a voicemail
    voice = eventually(
        lambda: (v := alert()["figures_by_channel"]["voice"])["delivered"] == 2 and v, timeout_s=15
    )
    assert voice["sent"] == 0 and voice["failed"] == 0
    deliveries = AlertsTable(table(local_stack))
    answered = [deliveries.delivery(alert_id, delivery_key(n, "voice")) or {} for n in (everything, caller)]
    assert [d.get("answered_by") for d in answered] == ["human", "machine"]

    [mail] = emails_to(local_stack, all_email)
    assert TEXT_ES in mail["text"] and mail["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"

    # When SES reports a permanent bounce of one email (EventBridge -> EmailFeedbackQueue)
    [bounced] = emails_to(local_stack, bounce_email)
    bounce = {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": bounce_email}]}
    mail = {"messageId": bounced["message_id"], "tags": {"alert_id": [alert_id]}}
    event = {
        "source": "aws.ses",
        "detail-type": "Email Bounced",
        "detail": {"eventType": "Bounce", "bounce": bounce, "mail": mail},
    }
    sqs = boto3.client("sqs", endpoint_url=local_stack.moto_url, region_name=REGION)
    sqs.send_message(QueueUrl=feedback_queue_url(local_stack), MessageBody=json.dumps(event))

    # Then that resident gets no more email, and the email counts as failed with the reason
    eventually(lambda: not consent_state(local_stack, bouncing).alerts_by("email"), timeout_s=15)
    failed = eventually(
        lambda: (a := alert())["figures_by_channel"]["email"]["failed"] == 1 and a, timeout_s=15
    )
    assert failed["failure_reasons"] == {"email_bounce": 1}

    # When the unsubscriber opens the link (a GET changes nothing) and then clicks one-click unsubscribe
    [their_mail] = emails_to(local_stack, unsub_email)
    link = their_mail["list_unsubscribe"].strip("<>")
    path = urlsplit(link).path
    status, headers, page = call(local_stack, "GET", path)
    assert (
        status == 200
        and b'<form method="post">' in page
        and "default-src 'none'" in headers["Content-Security-Policy"]
    )
    assert consent_state(local_stack, unsubscriber).alerts_by("email")
    status, _, page = call(
        local_stack,
        "POST",
        path,
        raw=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200, page

    # Then email stops for them, their texts stay, and the ledger says why for both
    state = consent_state(local_stack, unsubscriber)
    assert state.channels == {"sms"} and "WATER" in state.topics and state.may_receive("WATER")
    for address, source in ((unsubscriber, "unsubscribe_link"), (bouncing, "email_bounce")):
        newest = [(c.source, c.action) for c in ConsentTable(table(local_stack)).history(address) if c.medium]
        assert newest[0] == (source, "opt_out"), address
