"""Consent on the inbound path and at send time, against moto: the ledger, the state beside it, keyword
answers through the OutboundQueue and the sender, 21610, and an opt-out racing non-transactional sends."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key
from inbox.dal.consent_table import ConsentTable
from inbox.dal.inbox_table import InboxTable
from inbox.logic.consent_changes import ConsentGate, record_change
from inbox.models.consent import ConsentChange, Topic
from inbox.models.conversations import Message
from inbox.models.records import ThreadActivity
from outbound.dal.reply_table import ReplyTable
from outbound.logic.send_reply import SendOutcome, send_reply
from outbound.models.replies import ReplyJob
from switchboard.phone import parse_address
from switchboard.table_keys import message_sk
from switchboard.twilio_sms import Sender, SentSms

from events import load_event
from tests.integration.conftest import Aws, LambdaContext
from tests.integration.fakes import FakeTwilioHttpClient, twilio_error
from tests.integration.seed import THREAD_ID, message, seed_conversation

RESIDENT = "+15555550123"
AGENCY_NUMBER = "+15555550100"


def inbound_event(body: str, sid: str, received_at: str = "2026-11-25T10:00:00.000000Z") -> dict[str, Any]:
    record = load_event("sqs/inbound_batch.json")["Records"][0]
    envelope = json.loads(record["body"])
    envelope["received_at"] = received_at
    envelope["params"].update(Body=body, MessageSid=sid, SmsMessageSid=sid, SmsSid=sid)
    record["body"] = json.dumps(envelope)
    record["messageId"] = f"msg-{sid}"
    record["attributes"]["MessageDeduplicationId"] = sid
    return {"Records": [record]}


def outbound_record(job: dict[str, Any]) -> dict[str, Any]:
    record = load_event("sqs/outbound_batch.json")["Records"][0]
    record["body"] = json.dumps(job)
    record["messageId"] = f"out-{job['message_id']}"
    record["attributes"]["MessageDeduplicationId"] = job["message_id"]
    return {"Records": [record]}


def ledger(aws: Aws, address: str = RESIDENT) -> list[dict[str, Any]]:
    response = aws.table.query(
        KeyConditionExpression=Key("pk").eq(f"ADDR#{address}") & Key("sk").begins_with("CONSENT#")
    )
    return list(response["Items"])


def state(aws: Aws, address: str = RESIDENT) -> dict[str, Any]:
    return dict(aws.table.get_item(Key={"pk": f"ADDR#{address}", "sk": "CONSENT"}).get("Item", {}))


def queued_jobs(aws: Aws) -> list[dict[str, Any]]:
    return [json.loads(m["Body"]) for m in aws.queue_messages("OutboundQueue")]


def seed_topics(aws: Aws) -> None:
    for code, name in (("WATER", "Water service"), ("STORM", "Storm warnings"), ("PARKING", "Parking")):
        ConsentTable(aws.table).put_topic(Topic(code, name))


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> FakeTwilioHttpClient:
    fake = FakeTwilioHttpClient()
    monkeypatch.setattr(
        "switchboard.twilio_client.build_http_client", lambda api_base_url, timeout=10.0: fake
    )
    return fake


@pytest.fixture
def agency_name(environment: None, monkeypatch: pytest.MonkeyPatch) -> str:
    """Set before a handler fixture imports its module (settings are read at cold start)."""
    monkeypatch.setenv("AGENCY_NAME", "City of Springfield")
    return "City of Springfield"


def test_stop_is_recorded_answered_in_the_thread_and_queued_once_despite_redelivery(
    agency_name: str, aws: Aws, inbound_consumer: Any, context: LambdaContext
) -> None:
    sid = "SM" + "5" * 32
    for _ in range(2):  # SQS delivers the same record again
        assert inbound_consumer.handler(inbound_event(" Stop! ", sid), context) == {"batchItemFailures": []}

    [entry] = ledger(aws)
    assert (entry["topic"], entry["action"], entry["source"], entry["source_id"], entry["channel"]) == (
        "ALL",
        "opt_out",
        "keyword",
        sid,
        "sms",
    )
    assert state(aws)["opted_out_all"] is True and state(aws)["version"] == 1

    thread_id = aws.table.get_item(Key={"pk": f"ADDR#{RESIDENT}", "sk": "RESIDENT"})["Item"]["thread_id"]
    messages = aws.table.query(
        KeyConditionExpression=Key("pk").eq(f"THREAD#{thread_id}") & Key("sk").begins_with("MSG#")
    )["Items"]
    assert [(m["direction"], m["author"]) for m in messages] == [("in", "resident"), ("out", "switchboard")]
    assert messages[1]["body"].startswith(f"{agency_name}: You are unsubscribed")
    thread = aws.table.get_item(Key={"pk": f"THREAD#{thread_id}", "sk": "META"})["Item"]
    # Answered by the consent flow alone: handled automatically, in the timeline, nobody waiting (issue 16).
    assert (thread["status"], thread["unread"], "waiting_since" in thread) == ("automatic", 0, False)

    jobs = queued_jobs(aws)
    assert {j["message_id"] for j in jobs} == {messages[1]["message_id"]}
    assert jobs[0]["category"] == "transactional"


def test_the_stop_confirmation_goes_out_through_the_sender(
    aws: Aws,
    inbound_consumer: Any,
    sms_sender: Any,
    twilio: FakeTwilioHttpClient,
    context: LambdaContext,
) -> None:
    inbound_consumer.handler(inbound_event("STOP", "SM" + "6" * 32), context)
    [job] = queued_jobs(aws)

    assert sms_sender.handler(outbound_record(job), context) == {"batchItemFailures": []}

    [request] = twilio.requests
    assert request["data"]["To"] == RESIDENT and request["data"]["From"] == AGENCY_NUMBER
    assert "You are unsubscribed" in request["data"]["Body"]


def test_join_a_topic_then_a_zip_code_subscribes_in_that_zone(
    aws: Aws, inbound_consumer: Any, context: LambdaContext
) -> None:
    seed_topics(aws)
    inbound_consumer.handler(inbound_event("join water", "SM" + "7" * 32), context)
    assert state(aws)["awaiting"] == "zip"
    inbound_consumer.handler(inbound_event("94110", "SM" + "8" * 32, "2026-11-25T10:01:00.000000Z"), context)

    assert state(aws)["topics"] == ["WATER"] and state(aws)["zones"] == ["zip:94110"]
    assert [(e["action"], e["topic"]) for e in ledger(aws)] == [("opt_in", "WATER"), ("set_zone", "ALL")]
    subscriber = aws.table.get_item(Key={"pk": "SUBS#WATER", "sk": f"ADDR#{RESIDENT}"})["Item"]
    assert subscriber["zones"] == ["zip:94110"]

    inbound_consumer.handler(
        inbound_event("STOP WATER", "SM" + "9" * 32, "2026-11-25T10:02:00.000000Z"), context
    )
    assert "Item" not in aws.table.get_item(Key={"pk": "SUBS#WATER", "sk": f"ADDR#{RESIDENT}"})
    assert state(aws)["stopped_topics"] == ["WATER"]


def test_a_free_text_request_to_stop_flags_the_thread_for_staff(
    aws: Aws, inbound_consumer: Any, context: LambdaContext
) -> None:
    inbound_consumer.handler(inbound_event("please stop texting me", "SM" + "a" * 32), context)

    thread_id = aws.table.get_item(Key={"pk": f"ADDR#{RESIDENT}", "sk": "RESIDENT"})["Item"]["thread_id"]
    thread = aws.table.get_item(Key={"pk": f"THREAD#{thread_id}", "sk": "META"})["Item"]
    assert thread["consent_flag"] == "revocation_request"
    assert ledger(aws) == [] and queued_jobs(aws) == []


def test_a_non_transactional_send_to_an_opted_out_resident_is_refused(
    aws: Aws, sms_sender: Any, twilio: FakeTwilioHttpClient, context: LambdaContext
) -> None:
    conversation = seed_conversation(aws.table)
    opt_out = ConsentChange(
        RESIDENT, "sms", "ALL", "opt_out", "2026-11-24T10:16:00.000000Z", "keyword", "SMx"
    )
    record_change(ConsentTable(aws.table), opt_out)
    job = json.loads(load_event("sqs/outbound_batch.json")["Records"][0]["body"])

    assert sms_sender.handler(outbound_record({**job, "category": "non_transactional"}), context) == {
        "batchItemFailures": []
    }

    assert twilio.requests == []
    stored = message(aws.table, conversation)
    assert (stored["status"], stored["error_code"]) == ("failed", "opted_out")


def test_twilio_21610_records_an_opt_out_in_the_ledger(
    aws: Aws, sms_sender: Any, twilio: FakeTwilioHttpClient, context: LambdaContext
) -> None:
    seed_conversation(aws.table)
    twilio.answers = [twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")]

    assert sms_sender.handler(load_event("sqs/outbound_batch.json"), context) == {"batchItemFailures": []}
    assert sms_sender.handler(load_event("sqs/outbound_batch.json"), context) == {"batchItemFailures": []}

    assert len(twilio.requests) == 1  # never retried
    [entry] = ledger(aws)
    assert (entry["action"], entry["topic"], entry["source"]) == ("opt_out", "ALL", "carrier_error")
    assert state(aws)["opted_out_all"] is True


class RecordingGateway:
    """Twilio as far as the sender can tell: accepts everything, notes when each send happened.

    After `hold_after` sends it holds callers until `release` is set, so the race is there however loaded the
    machine is: sends whose check passed wait while the STOP lands, and every later check comes after it."""

    def __init__(self, hold_after: int) -> None:
        self.lock = threading.Lock()
        self.sent: list[tuple[str, float]] = []
        self.hold_after = hold_after
        self.release = threading.Event()

    def send(self, *, to: str, sender: Sender, body: str) -> SentSms:
        with self.lock:
            self.sent.append((body, time.monotonic()))
            sid = "SM" + f"{len(self.sent):032x}"
            hold = len(self.sent) >= self.hold_after
        if hold:
            self.release.wait(timeout=30)
        return SentSms(sid=sid, status="queued")


class TimedGate(ConsentGate):
    """The real gate, noting when each consent check began and what it answered."""

    def __init__(self, table: ConsentTable) -> None:
        super().__init__(table)
        self.lock = threading.Lock()
        self.checks: dict[str, tuple[float, bool]] = {}
        self.current = threading.local()

    def may_send(self, address: str, topic: str | None) -> bool:
        began = time.monotonic()
        answer = super().may_send(address, topic)
        with self.lock:
            self.checks[self.current.message_id] = (began, answer)
        return answer


@pytest.mark.usefixtures("atomic_moto")
def test_no_non_transactional_send_is_decided_after_an_opt_out_is_recorded(
    aws: Aws, inbound_consumer: Any, context: LambdaContext
) -> None:
    # Given an alert of 60 messages queued for one resident, sent by four concurrent senders
    thread_id, address = THREAD_ID, parse_address(RESIDENT)
    seed_conversation(aws.table)
    inbox = InboxTable(aws.table)
    jobs: list[ReplyJob] = []
    for n in range(60):
        at = f"2026-11-25T10:00:{n:02d}.000000Z"
        alert = Message(
            message_id=f"{n:032x}", thread_id=thread_id, direction="out", body=f"alert {n}",
            status="accepted", created_at=at, author="alerts",
        )  # fmt: skip
        assert inbox.store_reply(alert, ThreadActivity(thread_id, address, at, alert.body, "out"))
        jobs.append(
            ReplyJob(
                kind="reply",
                thread_id=thread_id,
                message_id=alert.message_id,
                message_sk=message_sk(at, alert.message_id),
                category="non_transactional",
                topic="WATER",
            )  # fmt: skip
        )
    gateway, gate, replies = (
        RecordingGateway(hold_after=20),
        TimedGate(ConsentTable(aws.table)),
        ReplyTable(aws.table),
    )
    pending = list(jobs)
    outcomes: dict[str, SendOutcome] = {}
    lock = threading.Lock()
    opted_out_at: list[float] = []

    def sender() -> None:
        while True:
            with lock:
                if not pending:
                    return
                job = pending.pop(0)
            gate.current.message_id = job.message_id
            outcome = send_reply(
                job, store=replies, gateway=gateway, consent=gate, from_number=AGENCY_NUMBER,
                messaging_service_sid=None,
            )  # fmt: skip
            with lock:
                outcomes[job.message_id] = outcome

    def resident_texts_stop() -> None:
        while len(outcomes) < 10:  # let some sends through first
            time.sleep(0.001)
        result = inbound_consumer.handler(inbound_event("STOP", "SM" + "b" * 32), context)
        assert result == {"batchItemFailures": []}
        opted_out_at.append(time.monotonic())  # the opt-out is committed by now
        gateway.release.set()

    # When the resident's STOP arrives through the inbound consumer while the senders run
    threads = [threading.Thread(target=sender) for _ in range(4)] + [
        threading.Thread(target=resident_texts_stop)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Then every job was settled, some before the STOP and some refused after it
    assert len(outcomes) == 60 and opted_out_at
    sent = [m for m, o in outcomes.items() if o is SendOutcome.SENT]
    refused = [m for m, o in outcomes.items() if o is SendOutcome.REFUSED_OPTED_OUT]
    assert len(sent) + len(refused) == 60 and sent and refused
    assert len(gateway.sent) == len(sent)
    # and no send was decided by a check that began after the opt-out was recorded
    stop = opted_out_at[0]
    assert all(gate.checks[m][0] < stop for m in sent)
    assert all(not answer for began, answer in gate.checks.values() if began > stop)
    # and each refused message is failed as opted out in its thread
    for job in jobs:
        if job.message_id in refused:
            item = aws.table.get_item(Key={"pk": f"THREAD#{thread_id}", "sk": job.message_sk})["Item"]
            assert (item["status"], item["error_code"]) == ("failed", "opted_out")


def test_the_admin_setting_names_the_agency_in_replies_over_the_deploy_parameter(
    agency_name: str, aws: Aws, inbound_consumer: Any, context: LambdaContext
) -> None:
    aws.table.put_item(Item={"pk": "SETTINGS", "sk": "AGENCY", "agency_name": "Springfield Water Dept"})
    inbound_consumer.handler(inbound_event("help", "SM" + "c" * 32), context)
    [job] = queued_jobs(aws)
    reply = aws.table.get_item(Key={"pk": f"THREAD#{job['thread_id']}", "sk": job["message_sk"]})["Item"]
    assert reply["body"].startswith("Springfield Water Dept: ") and "STOP" in reply["body"]


def test_supervisors_read_a_residents_consent_history_agents_may_not(
    aws: Aws, inbound_consumer: Any, agent_api: Any, context: LambdaContext
) -> None:
    from tests.integration.test_agent_api import api_event, call

    seed_topics(aws)
    for n, body in enumerate(["JOIN WATER", "94110", "STOP"]):
        at = f"2026-11-25T10:0{n}:00.000000Z"
        inbound_consumer.handler(inbound_event(body, f"SM{n:032d}", at), context)
    thread_id = aws.table.get_item(Key={"pk": f"ADDR#{RESIDENT}", "sk": "RESIDENT"})["Item"]["thread_id"]
    path = f"/api/threads/{thread_id}/consent"
    supervisor = {"sub": "sup-1", "email": "s@example.org", "cognito:groups": ["supervisor"]}
    agent = {"sub": "agent-1", "email": "a@example.org", "cognito:groups": ["agent"]}

    status, body = call(agent_api, context, api_event("GET", path, claims=supervisor))

    assert status == 200
    assert body["state"] == {
        "opted_out_all": True,
        "topics": [],
        "stopped_topics": [],
        "suspended_topics": ["WATER"],
        "zones": ["zip:94110"],
        "language": None,
        "updated_at": "2026-11-25T10:02:00.000000Z",
    }
    assert [(e["action"], e["topic"], e["source"]) for e in body["history"]] == [
        ("opt_out", "ALL", "keyword"),
        ("set_zone", "ALL", "keyword"),
        ("opt_in", "WATER", "keyword"),
    ]
    assert body["history"][0]["source_id"] == f"SM{2:032d}" and body["history"][1]["zone"] == "zip:94110"
    assert call(agent_api, context, api_event("GET", path, claims=agent))[0] == 403
    assert (
        call(agent_api, context, api_event("GET", "/api/threads/nope/consent", claims=supervisor))[0] == 404
    )


def public_event(method: str, path: str, body: Any = None) -> dict[str, Any]:
    from tests.integration.test_agent_api import api_event

    event = api_event(method, path, body=body)
    event["requestContext"].pop("authorizer", None)  # public routes: no authorizer
    event["headers"].pop("authorization", None)
    return event


def test_the_sign_up_page_asks_by_text_and_yes_subscribes_with_the_sign_up_as_source(
    aws: Aws, signup_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    from tests.integration.test_agent_api import call

    seed_topics(aws)
    status, topics = call(signup_api, context, public_event("GET", "/api/public/topics"))
    assert status == 200 and [t["code"] for t in topics["topics"]] == ["PARKING", "STORM", "WATER"]
    assert "es" in topics["languages"] and topics["agency"] == "Switchboard"

    request = {"phone": "(555) 555-0123", "topics": ["water", "STORM"], "zip_code": "94110", "language": "es"}
    status, body = call(signup_api, context, public_event("POST", "/api/public/signup", request))
    assert (status, body) == (202, {"status": "confirmation_sent"})
    # A second submission at once sends no second text, and says the same
    assert call(signup_api, context, public_event("POST", "/api/public/signup", request))[0] == 202
    [job] = queued_jobs(aws)
    assert job["category"] == "transactional"
    text = aws.table.get_item(Key={"pk": f"THREAD#{job['thread_id']}", "sk": job["message_sk"]})["Item"]
    assert text["body"].startswith("Switchboard: Reply YES to get STORM, WATER alerts for ZIP 94110.")
    assert ledger(aws) == []  # nothing is subscribed before the phone's owner says YES

    inbound_consumer.handler(inbound_event("Yes!", "SM" + "d" * 32), context)

    assert sorted(state(aws)["topics"]) == ["STORM", "WATER"]
    assert state(aws)["zones"] == ["zip:94110"] and state(aws)["language"] == "es"
    sources = {(e["action"], e["topic"], e["source"]) for e in ledger(aws)}
    assert sources == {
        ("opt_in", "WATER", "signup"),
        ("opt_in", "STORM", "signup"),
        ("set_zone", "ALL", "signup"),
    }
    assert "Item" not in aws.table.get_item(Key={"pk": f"ADDR#{RESIDENT}", "sk": "SIGNUP"})


@pytest.mark.parametrize(
    "request_body",
    [
        {"phone": "12", "topics": ["WATER"]},
        {"phone": "+15555550123", "topics": []},
        {"phone": "+15555550123", "topics": ["WATER"], "zip_code": "9411"},
        {"phone": "+15555550123", "topics": ["WATER"], "language": "xx"},
        {"phone": "+15555550123", "topics": ["WATER"], "extra": 1},
        {"phone": "+44 5555550123", "topics": ["WATER"]},  # a country the page does not text
    ],
)
def test_bad_sign_ups_are_400_naming_fields_never_values(
    aws: Aws, signup_api: Any, context: LambdaContext, logs: Any, request_body: dict[str, Any]
) -> None:
    from tests.integration.test_agent_api import call

    seed_topics(aws)
    status, body = call(signup_api, context, public_event("POST", "/api/public/signup", request_body))
    assert status == 400 and body["fields"]
    assert "5555550123" not in json.dumps(body) and "5555550123" not in logs.text()
    assert queued_jobs(aws) == []


def test_a_topic_the_agency_does_not_offer_is_400(aws: Aws, signup_api: Any, context: LambdaContext) -> None:
    from tests.integration.test_agent_api import call

    seed_topics(aws)
    body = {"phone": "+15555550123", "topics": ["FLOODS"]}
    assert call(signup_api, context, public_event("POST", "/api/public/signup", body)) == (
        400,
        {"message": "unknown topic"},
    )


def test_yes_without_a_pending_sign_up_is_just_a_message(
    aws: Aws, inbound_consumer: Any, context: LambdaContext
) -> None:
    inbound_consumer.handler(inbound_event("yes", "SM" + "e" * 32), context)
    assert ledger(aws) == [] and queued_jobs(aws) == []


def test_a_staff_reply_to_a_resident_who_texted_stop_is_409_opted_out_until_they_text_start(
    aws: Aws, inbound_consumer: Any, agent_api: Any, context: LambdaContext
) -> None:
    from tests.integration.test_agent_api import api_event, call

    inbound_consumer.handler(inbound_event("STOP", "SM" + "7" * 32), context)
    thread_id = aws.table.get_item(Key={"pk": f"ADDR#{RESIDENT}", "sk": "RESIDENT"})["Item"]["thread_id"]
    path = f"/api/threads/{thread_id}/messages"
    # A supervisor (every department): the thread has no department yet, and the refusal tested is consent's.
    agent = {"sub": "agent-1", "email": "a@example.org", "cognito:groups": ["supervisor"]}
    jobs_before = queued_jobs(aws)

    status, body = call(agent_api, context, api_event("POST", path, body={"body": "Hi?"}, claims=agent))

    # The page shows the reason and how to resume; nothing is stored or queued, no takeover is offered
    assert status == 409
    assert body["error"] == "opted_out" and body["resume_keyword"] == "START"
    assert "STOP" in body["message"] and "START" in body["message"]
    assert queued_jobs(aws) == jobs_before
    messages = aws.table.query(
        KeyConditionExpression=Key("pk").eq(f"THREAD#{thread_id}") & Key("sk").begins_with("MSG#")
    )["Items"]
    assert "Hi?" not in [m["body"] for m in messages]

    # When the resident texts START, staff may write again
    inbound_consumer.handler(inbound_event("START", "SM" + "8" * 32, "2026-11-25T10:05:00.000000Z"), context)
    status, body = call(agent_api, context, api_event("POST", path, body={"body": "Hi?"}, claims=agent))
    assert status == 202, body


def public_sign_up(signup_api: Any, context: LambdaContext, phone: str, client: str) -> tuple[int, Any, Any]:
    """A sign-up from the page at `client` (the source address API Gateway reports)."""
    event = public_event("POST", "/api/public/signup", {"phone": phone, "topics": ["WATER"]})
    event["requestContext"]["http"]["sourceIp"] = client
    response = signup_api.handler(event, context)
    return response["statusCode"], json.loads(response["body"]), response.get("headers") or {}


def test_a_flood_of_sign_ups_is_held_by_the_limits_each_refusal_a_429_with_nothing_sent(
    aws: Aws, signup_api: Any, context: LambdaContext
) -> None:
    from switchboard.public_texts import PER_CLIENT

    seed_topics(aws)
    # 15 sign-ups in a second from one address, each to a different number
    answers = [public_sign_up(signup_api, context, f"+1555777{n:04d}", "203.0.113.7") for n in range(15)]

    allowed = PER_CLIENT.max_count
    assert [status for status, _, _ in answers] == [202] * allowed + [429] * (15 - allowed)
    for _, body, headers in answers[allowed:]:
        assert body["error"] == "rate_limited" and int(headers["Retry-After"]) == body["retry_after_s"] > 0
    assert len(queued_jobs(aws)) == allowed


def test_the_agencys_daily_cap_holds_across_addresses(
    aws: Aws, context: LambdaContext, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setenv("PUBLIC_TEXTS_PER_DAY", "2")  # CDK parameter PublicTextsPerDay
    signup_api = request.getfixturevalue("signup_api")
    seed_topics(aws)

    answers = [public_sign_up(signup_api, context, f"+1555888{n:04d}", f"198.51.100.{n}") for n in range(4)]

    assert [status for status, _, _ in answers] == [202, 202, 429, 429]
    assert len(queued_jobs(aws)) == 2
