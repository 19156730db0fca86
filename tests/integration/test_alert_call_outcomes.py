"""Issue 22, voice alerts' delivery figures against moto: the alert sender places the call with the real
twilio SDK asking for its outcome at `/twilio/calls/status?alert={alert_id}`; CallStatusFn takes Twilio's
signed final callback and moves the recipient's voice figure from `sent` to `delivered` (a person or a
machine answered) or `failed` (busy, no answer), once, however often Twilio posts it."""

from __future__ import annotations

import base64
import dataclasses
import importlib
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from alerts.dal.alerts_table import AlertsTable
from alerts.integrations.alert_calls import TwilioAlertCalls
from alerts.logic.compose import view
from alerts.logic.delivery import AlertMessage
from alerts.models.alerts import delivery_key
from aws_lambda_powertools.utilities.typing import LambdaContext
from switchboard.statuses import rank_of
from switchboard.twilio_client import build_twilio_client
from switchboard.twilio_credentials import TwilioCredentials
from switchboard.twilio_signature import compute_signature, parse_form_body

from events import SAMPLE_CONFIG, load_event
from tests.integration.conftest import Aws
from tests.integration.fakes import FakeTwilioHttpClient
from tests.integration.test_alert_channels import ALERT as CHANNELS_ALERT
from tests.integration.test_alert_channels import AT, start_sending

ALERT = dataclasses.replace(CHANNELS_ALERT, alert_id="al00000000000000cc")
PERSON, VOICEMAIL, BUSY = "+15555550161", "+15555550162", "+15555550163"
SIDS = {PERSON: "CA" + "a1" * 16, VOICEMAIL: "CA" + "a2" * 16, BUSY: "CA" + "a3" * 16}
STATUS_URL = SAMPLE_CONFIG["PUBLIC_API_URL"] + "/twilio/calls/status"


@pytest.fixture
def call_status(aws: Aws) -> Iterator[Any]:
    sys.modules.pop("channels.handlers.call_status", None)
    module = importlib.import_module("channels.handlers.call_status")
    yield module
    module.store.cache_clear()
    module.alerts.cache_clear()


def outcome_event(call_sid: str, to: str, query: str, **fields: str) -> dict[str, Any]:
    """Twilio's final call callback to the call status route with `query`, signed over the URL with it."""
    params = {
        **load_event("twilio/call_status_in_progress.json"),
        "CallSid": call_sid,
        "To": to,
        "Called": to,
        **fields,
    }
    event = load_event("apigw/twilio_status_delivered.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/twilio/calls/status"
    event["routeKey"] = "POST /twilio/calls/status"
    event["rawQueryString"] = query
    event["body"] = base64.b64encode(urlencode(params).encode()).decode()
    form = parse_form_body(event["body"], event["isBase64Encoded"])
    event["headers"]["x-twilio-signature"] = compute_signature(
        SAMPLE_CONFIG["auth_token"], STATUS_URL + "?" + query, form
    )
    return event


def place_voice_alert(aws: Aws) -> tuple[AlertsTable, list[dict[str, Any]]]:
    """The alert sending to three residents by voice, each call placed through the SDK and recorded."""
    alerts = start_sending(aws.table, {"voice": 3}, ALERT)
    http = FakeTwilioHttpClient(
        *[(201, {"sid": SIDS[n], "status": "queued"}) for n in (PERSON, VOICEMAIL, BUSY)]
    )
    credentials = TwilioCredentials(SAMPLE_CONFIG["account_sid"], SAMPLE_CONFIG["auth_token"])
    gateway = TwilioAlertCalls(
        lambda: build_twilio_client(credentials, http_client=http),
        from_number="+15555550100",
        public_api_url=SAMPLE_CONFIG["PUBLIC_API_URL"],
        agency=lambda: "Demo County",
        status_callback_url=STATUS_URL,
    )
    for number in (PERSON, VOICEMAIL, BUSY):
        key = delivery_key(number, "voice")
        token = "t-" + number[-2:]
        fields = {"state": "sending", "figure": "queued", "claim_at": AT, "claim_token": token}
        assert alerts.decide(ALERT.alert_id, key, previous=None, fields=fields)
        sent = gateway.send(AlertMessage(ALERT, number, number, "en", "Boil water until Friday."))
        assert alerts.record_sent(
            ALERT,
            key,
            token=token,
            sid=sent.sid,
            bucket="sent",
            status="queued",
            rank=rank_of("queued") or 0,
            leave="queued",
            thread_id="t-" + number[-2:],
            at=AT,
        )
    return alerts, http.requests


def voice_figures(alerts: AlertsTable) -> dict[str, int]:
    alert = alerts.get_alert(ALERT.alert_id)
    assert alert is not None
    return view(alerts, alert, with_texts=False).figures_by_channel["voice"]


def test_alert_calls_ask_for_their_outcome_on_the_signed_call_status_route(aws: Aws) -> None:
    _, requests = place_voice_alert(aws)
    assert len(requests) == 3
    for request in requests:
        form = parse_qs(urlencode(request["data"], doseq=True))
        assert form["StatusCallback"] == [STATUS_URL + "?alert=" + ALERT.alert_id]
        assert form["StatusCallbackEvent"] == ["completed"]
        assert form["MachineDetection"] == ["DetectMessageEnd"]


def test_outcomes_move_the_voice_figures_once_each(
    aws: Aws, call_status: Any, context: LambdaContext
) -> None:
    alerts, _ = place_voice_alert(aws)
    query = "alert=" + ALERT.alert_id
    assert voice_figures(alerts)["sent"] == 3

    answered = outcome_event(SIDS[PERSON], PERSON, query, CallStatus="completed", AnsweredBy="human")
    machine = outcome_event(
        SIDS[VOICEMAIL], VOICEMAIL, query, CallStatus="completed", AnsweredBy="machine_end_beep"
    )
    busy = outcome_event(SIDS[BUSY], BUSY, query, CallStatus="busy", CallDuration="0")
    for event in (answered, machine, busy, answered, busy):  # Twilio posts two of them again
        assert call_status.handler(event, context)["statusCode"] == 200

    figures = voice_figures(alerts)
    assert (figures["sent"], figures["delivered"], figures["failed"]) == (0, 2, 1)
    alert = alerts.get_alert(ALERT.alert_id)
    assert alert is not None
    assert view(alerts, alert, with_texts=False).failure_reasons == {"call_busy": 1}
    person = alerts.delivery(ALERT.alert_id, delivery_key(PERSON, "voice"))
    voicemail = alerts.delivery(ALERT.alert_id, delivery_key(VOICEMAIL, "voice"))
    assert person is not None and voicemail is not None
    assert (person["status"], person["answered_by"]) == ("delivered", "human")
    assert (voicemail["status"], voicemail["answered_by"]) == ("delivered", "machine")


def test_a_callback_signed_without_its_query_or_for_another_alert_moves_nothing(
    aws: Aws, call_status: Any, context: LambdaContext
) -> None:
    alerts, _ = place_voice_alert(aws)
    forged = outcome_event(SIDS[BUSY], BUSY, "alert=" + ALERT.alert_id, CallStatus="busy")
    forged["rawQueryString"] = "alert=al00000000000000dd"  # signed for one alert, sent for another
    assert call_status.handler(forged, context)["statusCode"] == 403
    other = outcome_event(SIDS[BUSY], BUSY, "alert=al00000000000000dd", CallStatus="busy")
    assert call_status.handler(other, context)["statusCode"] == 200  # a call that is not that alert's
    assert voice_figures(alerts)["sent"] == 3
