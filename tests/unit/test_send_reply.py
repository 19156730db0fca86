"""Sending a reply with in-memory fakes; and how the SDK's answers are sorted into final and transient."""

from __future__ import annotations

import json

import pytest
import requests
from inbox.logic.consent_changes import record_change
from inbox.models.consent import ConsentChange
from outbound.logic.send_reply import SendInProgress, SendOutcome, choose_sender, send_reply
from outbound.models.replies import PendingReply, ReplyJob
from switchboard.twilio_client import build_twilio_client
from switchboard.twilio_credentials import TwilioCredentials
from switchboard.twilio_sms import RecipientRejected, Sender, SentSms, TransientSendFailure, TwilioSmsGateway
from twilio.http import HttpClient
from twilio.http.response import Response

from tests.unit.fakes import OPTED_OUT, InMemoryConsent, InMemoryReplyStore, ScriptedGateway

JOB = ReplyJob(kind="reply", thread_id="t1", message_id="m1", message_sk="MSG#a#m1")
SERVICE = "MG" + "e5" * 16


def pending(**changes: object) -> PendingReply:
    fields: dict[str, object] = dict(
        thread_id="t1",
        message_id="m1",
        message_sk="MSG#a#m1",
        body="On our way",
        status="accepted",
        to="+15555550123",
        channel="sms",
        agency_address="+15555550100",
        twilio_sid=None,
    )
    fields.update(changes)
    return PendingReply(**fields)  # type: ignore[arg-type]


def send(
    store: InMemoryReplyStore,
    gateway: ScriptedGateway,
    service: str | None = None,
    consent: InMemoryConsent | None = None,
    job: ReplyJob = JOB,
) -> SendOutcome:
    return send_reply(
        job,
        store=store,
        gateway=gateway,
        consent=consent or InMemoryConsent(),
        from_number="+15555550199",
        messaging_service_sid=service,
        now=lambda: "2026-11-25T10:00:00.000000Z",
    )


def test_sender_is_the_address_the_resident_wrote_to_then_the_service_then_the_number() -> None:
    assert choose_sender(pending(), "+15555550199", SERVICE) == Sender(from_address="+15555550100")
    assert choose_sender(pending(agency_address=None), "+15555550199", SERVICE) == Sender(
        messaging_service_sid=SERVICE
    )
    assert choose_sender(pending(agency_address=None), "+15555550199", None) == Sender(
        from_address="+15555550199"
    )
    whatsapp = pending(agency_address=None, channel="whatsapp", to="whatsapp:+15555550124")
    assert choose_sender(whatsapp, "+15555550199", None) == Sender(from_address="whatsapp:+15555550199")


def test_reply_is_sent_once_and_its_sid_recorded() -> None:
    store, gateway = InMemoryReplyStore({"MSG#a#m1": pending()}), ScriptedGateway(SentSms("SM1", "queued"))

    assert send(store, gateway) is SendOutcome.SENT
    assert send(store, gateway) is SendOutcome.ALREADY_SENT
    assert store.sent == [("SM1", "queued")] and len(gateway.sends) == 1
    assert gateway.sends[0] == {
        "to": "+15555550123",
        "sender": Sender(from_address="+15555550100"),
        "body": "On our way",
    }


def test_opted_out_is_recorded_and_never_retried() -> None:
    store, gateway = InMemoryReplyStore({"MSG#a#m1": pending()}), ScriptedGateway(OPTED_OUT)

    assert send(store, gateway) is SendOutcome.REJECTED
    assert send(store, gateway) is SendOutcome.ALREADY_FAILED
    assert store.rejected == ["21610"] and len(gateway.sends) == 1


def test_transient_failure_propagates_for_sqs_to_retry() -> None:
    store = InMemoryReplyStore({"MSG#a#m1": pending()})

    with pytest.raises(TransientSendFailure):
        send(store, ScriptedGateway(TransientSendFailure("429")))
    assert store.sent == [] and store.rejected == []


def test_missing_reply_is_dropped() -> None:
    gateway = ScriptedGateway()

    assert send(InMemoryReplyStore(), gateway) is SendOutcome.MISSING
    assert gateway.sends == []


class AnsweringHttpClient(HttpClient):
    def __init__(self, status: int, body: dict[str, object] | Exception) -> None:
        super().__init__(logger=None, is_async=False)  # type: ignore[arg-type]
        self.status, self.body = status, body
        self.data: dict[str, object] = {}

    def request(
        self,
        method: str,
        url: str,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,  # type: ignore[no-untyped-def]
        allow_redirects=False,
    ) -> Response:
        self.data = dict(data or {})
        if isinstance(self.body, Exception):
            raise self.body
        return Response(self.status, json.dumps(self.body))


def gateway_answering(
    status: int, body: dict[str, object] | Exception
) -> tuple[TwilioSmsGateway, AnsweringHttpClient]:
    http = AnsweringHttpClient(status, body)
    client = build_twilio_client(TwilioCredentials("AC" + "0" * 32, "token"), http_client=http)
    return TwilioSmsGateway(lambda: client, "https://api.example.org/twilio/status"), http


def test_gateway_sends_through_the_sdk_with_a_status_callback() -> None:
    gateway, http = gateway_answering(201, {"sid": "SM9", "status": "queued"})

    assert gateway.send(
        to="+15555550123", sender=Sender(messaging_service_sid=SERVICE), body="hi"
    ) == SentSms("SM9", "queued")
    assert http.data == {
        "To": "+15555550123",
        "Body": "hi",
        "MessagingServiceSid": SERVICE,
        "StatusCallback": "https://api.example.org/twilio/status",
    }


@pytest.mark.parametrize(
    "status, code, final",
    [
        (400, 21610, True),
        (400, 21211, True),
        (404, 20404, True),
        (429, 20429, False),
        (500, 20500, False),
        (503, 20503, False),
        (401, 20003, False),
    ],
)
def test_gateway_sorts_twilio_errors_into_final_and_transient(status: int, code: int, final: bool) -> None:
    gateway, _ = gateway_answering(
        status, {"code": code, "message": "To +15555550123 is bad", "status": status}
    )

    with pytest.raises(RecipientRejected if final else TransientSendFailure) as error:
        gateway.send(to="+15555550123", sender=Sender(from_address="+15555550100"), body="hi")

    assert "+15555550123" not in str(error.value)
    if final:
        assert error.value.code == str(code)  # type: ignore[union-attr]


def test_gateway_treats_rfc9457_errors_like_the_legacy_ones() -> None:
    body = {
        "type": "https://www.twilio.com/docs/errors/21610",
        "title": "Unsubscribed",
        "status": 400,
        "code": 21610,
    }
    gateway, _ = gateway_answering(400, body)

    with pytest.raises(RecipientRejected) as error:
        gateway.send(to="+15555550123", sender=Sender(from_address="+15555550100"), body="hi")
    assert error.value.code == "21610"


def test_gateway_treats_network_errors_as_transient() -> None:
    gateway, _ = gateway_answering(0, requests.ConnectionError("refused"))

    with pytest.raises(TransientSendFailure):
        gateway.send(to="+15555550123", sender=Sender(from_address="+15555550100"), body="hi")


ALERT = ReplyJob(
    kind="reply", thread_id="t1", message_id="m1", message_sk="MSG#a#m1", category="non_transactional"
)


def opted_out_of(topic: str) -> InMemoryConsent:
    consent = InMemoryConsent()
    at = "2026-11-25T09:00:00.000000Z"
    record_change(consent, ConsentChange("+15555550123", "sms", topic, "opt_out", at, "keyword", "SMx"))
    return consent


def test_a_non_transactional_message_to_an_opted_out_resident_is_refused_before_twilio() -> None:
    store, gateway = InMemoryReplyStore(replies={"MSG#a#m1": pending()}), ScriptedGateway()
    assert send(store, gateway, consent=opted_out_of("ALL"), job=ALERT) is SendOutcome.REFUSED_OPTED_OUT
    assert gateway.sends == [] and store.rejected == ["opted_out"]


def test_a_stopped_topic_refuses_that_topic_only() -> None:
    consent = opted_out_of("WATER")
    water = ALERT.model_copy(update={"topic": "WATER"})
    storm = ALERT.model_copy(update={"topic": "STORM"})
    store, gateway = InMemoryReplyStore(replies={"MSG#a#m1": pending()}), ScriptedGateway()
    assert send(store, gateway, consent=consent, job=water) is SendOutcome.REFUSED_OPTED_OUT
    store = InMemoryReplyStore(replies={"MSG#a#m1": pending()})
    assert send(store, gateway, consent=consent, job=storm) is SendOutcome.SENT


def test_a_keywords_answer_is_not_held_back_by_an_opt_out() -> None:
    # The STOP confirmation itself goes to a resident who just opted out.
    store, gateway = InMemoryReplyStore(replies={"MSG#a#m1": pending()}), ScriptedGateway()
    job = ALERT.model_copy(update={"category": "transactional"})
    assert send(store, gateway, consent=opted_out_of("ALL"), job=job) is SendOutcome.SENT


def test_a_staff_reply_to_a_resident_opted_out_of_everything_is_refused_before_twilio() -> None:
    # The agent API refuses it first (409 opted_out); this catches a STOP that lands after that check.
    store, gateway = InMemoryReplyStore(replies={"MSG#a#m1": pending()}), ScriptedGateway()
    job = ALERT.model_copy(update={"category": "conversational"})
    assert send(store, gateway, consent=opted_out_of("ALL"), job=job) is SendOutcome.REFUSED_OPTED_OUT
    assert gateway.sends == [] and store.rejected == ["opted_out"]
    # A topic stopped is no reason to hold back a conversation
    store = InMemoryReplyStore(replies={"MSG#a#m1": pending()})
    assert send(store, gateway, consent=opted_out_of("WATER"), job=job) is SendOutcome.SENT


def test_twilio_21610_records_an_opt_out_in_the_ledger_and_is_not_retried() -> None:
    consent = InMemoryConsent()
    store, gateway = InMemoryReplyStore(replies={"MSG#a#m1": pending()}), ScriptedGateway(OPTED_OUT)
    assert send(store, gateway, consent=consent) is SendOutcome.REJECTED
    [entry] = consent.ledger.values()
    assert (entry.topic, entry.action, entry.source, entry.source_id) == (
        "ALL",
        "opt_out",
        "carrier_error",
        "m1",
    )
    assert not consent.may_send("+15555550123", None)
    # Delivered again by SQS: the message is failed for good, Twilio is not called again.
    assert send(store, gateway, consent=consent) is SendOutcome.ALREADY_FAILED
    assert len(gateway.sends) == 1


def webchat(**changes: object) -> PendingReply:
    return pending(to="webchat:" + "a" * 32, channel="webchat", agency_address="webchat", **changes)


def test_a_web_chat_reply_is_delivered_to_the_widget_and_twilio_is_never_called() -> None:
    store, gateway = InMemoryReplyStore({"MSG#a#m1": webchat()}), ScriptedGateway()

    assert send(store, gateway) is SendOutcome.IN_WIDGET
    assert gateway.sends == []
    assert store.replies["MSG#a#m1"].status == "delivered"


def test_continue_by_text_sends_the_web_chat_reply_to_the_phone_from_the_agency_sender() -> None:
    store, gateway = InMemoryReplyStore({"MSG#a#m1": webchat(text_to="+15555550142")}), ScriptedGateway()

    assert send(store, gateway) is SendOutcome.SENT
    # Not from "webchat" (the thread's agency address): from the agency's number, as SMS
    assert gateway.sends == [
        {"to": "+15555550142", "sender": Sender(from_address="+15555550199"), "body": "On our way"}
    ]


class RedeliveringGateway(ScriptedGateway):
    """While Twilio is still answering the first delivery, SQS hands the same job to another sender (the
    job's visibility timeout ran out): that second delivery runs inside this send."""

    def __init__(self, store: InMemoryReplyStore) -> None:
        super().__init__(SentSms("SM1", "queued"))
        self.store = store
        self.second: SendOutcome | Exception | None = None

    def send(self, *, to: str, sender: Sender, body: str) -> SentSms:
        if self.second is None:
            try:
                self.second = send(self.store, self)
            except SendInProgress as in_progress:
                self.second = in_progress
        return super().send(to=to, sender=sender, body=body)


def test_a_job_delivered_again_while_the_first_delivery_is_sending_is_not_sent_twice() -> None:
    store = InMemoryReplyStore({"MSG#a#m1": pending()})
    gateway = RedeliveringGateway(store)

    assert send(store, gateway) is SendOutcome.SENT
    assert isinstance(gateway.second, SendInProgress)  # SQS keeps the job and brings it back later...
    assert send(store, gateway) is SendOutcome.ALREADY_SENT  # ...when the SID is there
    assert len(gateway.sends) == 1 and store.sent == [("SM1", "queued")]


def test_the_claim_of_a_sender_that_crashed_runs_out_after_the_lease() -> None:
    store, gateway = InMemoryReplyStore({"MSG#a#m1": pending()}), ScriptedGateway(SentSms("SM2", "queued"))
    store.claims["MSG#a#m1"] = ("crashed", "2026-11-25T09:59:40.000000Z")  # 20 s ago: it may still run

    with pytest.raises(SendInProgress):
        send(store, gateway)
    store.claims["MSG#a#m1"] = ("crashed", "2026-11-25T09:59:29.000000Z")  # 31 s ago: past its timeout
    assert send(store, gateway) is SendOutcome.SENT
    assert len(gateway.sends) == 1


def test_a_transient_failure_gives_the_claim_back_so_the_retry_sends_at_once() -> None:
    store = InMemoryReplyStore({"MSG#a#m1": pending()})
    gateway = ScriptedGateway(TransientSendFailure("429", http_status=429), SentSms("SM3", "queued"))

    with pytest.raises(TransientSendFailure):
        send(store, gateway)
    assert store.claims == {}
    assert send(store, gateway) is SendOutcome.SENT
    assert store.sent == [("SM3", "queued")]
