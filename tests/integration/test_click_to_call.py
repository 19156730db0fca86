"""Click-to-call against moto: CallsFn places the call with the real twilio SDK (its transport scripted), and
CallStatusFn takes signed progress callbacks into the thread."""

from __future__ import annotations

import base64
import dataclasses
import importlib
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext
from switchboard.twilio_client import build_twilio_client
from switchboard.twilio_credentials import TwilioCredentials

from events import SAMPLE_CONFIG, load_event
from tests.integration.conftest import Aws
from tests.integration.fakes import FakeTwilioHttpClient, twilio_error
from tests.integration.seed import THREAD_ID, seed_conversation
from tests.integration.signing import sign
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_roles_and_staff import AGENT, SUPERVISOR

CALL_SID = "CA" + "c7" * 16
STAFF_PHONE = "+15555550177"


def _fresh(name: str) -> Any:
    sys.modules.pop(name, None)
    module = importlib.import_module(name)
    return module


@pytest.fixture
def twilio() -> FakeTwilioHttpClient:
    return FakeTwilioHttpClient((201, {"sid": CALL_SID, "status": "queued"}))


@pytest.fixture
def calls_api(aws: Aws, twilio: FakeTwilioHttpClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    module = _fresh("calls.handlers.call_routes")
    credentials = TwilioCredentials(SAMPLE_CONFIG["account_sid"], SAMPLE_CONFIG["auth_token"])
    wired = module.dependencies()
    dialer = type(wired.dialer)(lambda: build_twilio_client(credentials, http_client=twilio))
    monkeypatch.setattr(module, "dependencies", lambda: dataclasses.replace(wired, dialer=dialer))
    yield module


@pytest.fixture
def call_status(aws: Aws) -> Iterator[Any]:
    module = _fresh("channels.handlers.call_status")
    yield module
    module.store.cache_clear()


def calls_event(method: str, path: str, claims: dict[str, Any], body: Any = None) -> dict[str, Any]:
    event = api_event(method, path, body=body, claims=claims)
    event["routeKey"] = "ANY /api/calls/{proxy+}"
    event["pathParameters"] = {"proxy": path.removeprefix("/api/calls/")}
    return event


def status_event(**fields: str) -> dict[str, Any]:
    params = {**load_event("twilio/call_status_in_progress.json"), **fields}
    event = load_event("apigw/twilio_status_delivered.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/twilio/calls/status"
    event["routeKey"] = "POST /twilio/calls/status"
    event["body"] = base64.b64encode(urlencode(params).encode()).decode()
    return sign(event)


def seed_water_thread(aws: Aws) -> None:
    """The sample conversation, routed to water, the department of AGENT (switchboard.access)."""
    seed_conversation(aws.table)
    aws.table.update_item(
        Key={"pk": f"THREAD#{THREAD_ID}", "sk": "META"},
        UpdateExpression="SET department_id = :water",
        ExpressionAttributeValues={":water": "water"},
    )
    aws.table.update_item(
        Key={"pk": f"STAFF#{AGENT['sub']}", "sk": "PROFILE"},
        UpdateExpression="SET departments = :water",
        ExpressionAttributeValues={":water": ["water"]},
    )


def notes(aws: Aws) -> list[dict[str, Any]]:
    return [i for i in aws.items() if i["pk"] == f"THREAD#{THREAD_ID}" and i["sk"].startswith("NOTE#")]


def set_phone(calls_api: Any, context: LambdaContext, claims: dict[str, Any], phone: Any) -> tuple[int, Any]:
    return call(calls_api, context, calls_event("PUT", "/api/calls/phone", claims, {"phone": phone}))


def test_an_agent_calls_a_resident_through_their_own_phone(
    aws: Aws, calls_api: Any, twilio: FakeTwilioHttpClient, context: LambdaContext
) -> None:
    seed_water_thread(aws)
    assert set_phone(calls_api, context, AGENT, "+1 555 555 0177") == (200, {"phone": STAFF_PHONE})
    assert call(calls_api, context, calls_event("GET", "/api/calls/phone", AGENT)) == (
        200,
        {"phone": STAFF_PHONE},
    )

    status, body = call(calls_api, context, calls_event("POST", f"/api/calls/threads/{THREAD_ID}", AGENT))

    assert (status, body) == (201, {"call_sid": CALL_SID, "thread_id": THREAD_ID, "status": "queued"})
    sent = twilio.requests[0]
    assert sent["url"].endswith(f"/Accounts/{SAMPLE_CONFIG['account_sid']}/Calls.json")
    assert sent["data"]["To"] == STAFF_PHONE and sent["data"]["From"] == "+15555550100"
    assert sent["data"]["StatusCallback"] == SAMPLE_CONFIG["PUBLIC_API_URL"] + "/twilio/calls/status"
    assert ">+15555550123</Number>" in sent["data"]["Twiml"]
    item = aws.table.get_item(Key={"pk": f"CALL#{CALL_SID}", "sk": "META"})["Item"]
    assert item["thread_id"] == THREAD_ID and item["agent_sub"] == AGENT["sub"]
    assert [n["kind"] for n in notes(aws)] == ["call"]
    audit = [i for i in aws.items() if i["pk"].startswith("AUDIT#") and i["action"] == "thread.call"]
    assert audit[0]["detail"] == {"call_sid": CALL_SID} and audit[0]["thread_id"] == THREAD_ID


def test_without_a_phone_on_the_profile_the_agent_is_told_what_to_do(
    aws: Aws, calls_api: Any, twilio: FakeTwilioHttpClient, context: LambdaContext
) -> None:
    seed_water_thread(aws)
    status, body = call(calls_api, context, calls_event("POST", f"/api/calls/threads/{THREAD_ID}", AGENT))
    assert status == 409 and "Add your phone number" in body["message"]
    assert twilio.requests == []


@pytest.mark.parametrize("phone", ["555-0177", "+0155555501", "call me", 15555550177])
def test_a_phone_that_is_not_e164_is_a_400_and_nothing_is_stored(
    aws: Aws, calls_api: Any, context: LambdaContext, phone: Any
) -> None:
    assert set_phone(calls_api, context, AGENT, phone)[0] in (400, 422)
    assert not [i for i in aws.items() if i.get("phone")]


def test_only_staff_who_may_work_the_thread_may_call_it(
    aws: Aws, calls_api: Any, twilio: FakeTwilioHttpClient, context: LambdaContext
) -> None:
    seed_water_thread(aws)
    aws.table.update_item(
        Key={"pk": f"THREAD#{THREAD_ID}", "sk": "META"},
        UpdateExpression="SET assignee = :a, department_id = :d",
        ExpressionAttributeValues={":a": "someone-else", ":d": "roads"},
    )
    for claims in (AGENT, SUPERVISOR):
        set_phone(calls_api, context, claims, STAFF_PHONE)
    path = f"/api/calls/threads/{THREAD_ID}"
    assert call(calls_api, context, calls_event("POST", path, AGENT))[0] == 403
    assert call(calls_api, context, calls_event("POST", "/api/calls/threads/nope", AGENT))[0] == 404
    assert len(twilio.requests) == 0
    assert call(calls_api, context, calls_event("POST", path, SUPERVISOR))[0] == 201
    nobody = {"sub": "00000000-0000-4000-8000-000000000004", "email": "new@example.gov"}
    assert call(calls_api, context, calls_event("GET", "/api/calls/phone", nobody))[0] == 403


def test_a_twilio_refusal_is_a_502_and_no_call_is_recorded(
    aws: Aws, calls_api: Any, twilio: FakeTwilioHttpClient, context: LambdaContext
) -> None:
    seed_water_thread(aws)
    twilio.answers = [twilio_error(400, 21215, "Geo permission")]
    set_phone(calls_api, context, AGENT, STAFF_PHONE)
    status, body = call(calls_api, context, calls_event("POST", f"/api/calls/threads/{THREAD_ID}", AGENT))
    assert status == 502 and "Twilio" in body["message"]
    assert not [i for i in aws.items() if i["pk"].startswith("CALL#")]


def test_signed_progress_lands_in_the_thread_once_and_unsigned_is_refused(
    aws: Aws, calls_api: Any, call_status: Any, context: LambdaContext
) -> None:
    seed_water_thread(aws)
    set_phone(calls_api, context, AGENT, STAFF_PHONE)
    call(calls_api, context, calls_event("POST", f"/api/calls/threads/{THREAD_ID}", AGENT))

    answered = status_event(CallSid=CALL_SID, CallStatus="in-progress")
    assert call_status.handler(answered, context)["statusCode"] == 200
    assert (
        call_status.handler(status_event(CallSid=CALL_SID, CallStatus="in-progress"), context)["statusCode"]
        == 200
    )
    child = status_event(
        CallSid="CA" + "e1" * 16, ParentCallSid=CALL_SID, CallStatus="completed", CallDuration="63"
    )
    assert call_status.handler(child, context)["statusCode"] == 200
    forged = status_event(CallSid=CALL_SID, CallStatus="completed")
    forged["headers"]["x-twilio-signature"] = "bm90IGEgc2lnbmF0dXJl"
    assert call_status.handler(forged, context)["statusCode"] == 403

    # Ordered by Twilio's own Timestamp (the sample's), so compared as a set here.
    assert sorted(n["body"] for n in notes(aws)) == [
        "Call: staff answered; dialling the resident.",
        "Call: started from the agent page; ringing the staff phone first.",
        "Call: the resident hung up or the call ended after 1 min 03 s.",
    ]
    item = aws.table.get_item(Key={"pk": f"CALL#{CALL_SID}", "sk": "META"})["Item"]
    assert item["status"] == "in-progress" and item["resident_status"] == "completed"
    # A late "ringing" does not move the staff leg back.
    call_status.handler(status_event(CallSid=CALL_SID, CallStatus="ringing"), context)
    assert aws.table.get_item(Key={"pk": f"CALL#{CALL_SID}", "sk": "META"})["Item"]["status"] == "in-progress"


def test_progress_for_a_call_we_did_not_place_is_acknowledged_and_ignored(
    aws: Aws, call_status: Any, context: LambdaContext
) -> None:
    seed_water_thread(aws)
    assert call_status.handler(status_event(), context)["statusCode"] == 200
    assert notes(aws) == []
    malformed = status_event(CallSid="not-a-sid!")
    assert call_status.handler(malformed, context)["statusCode"] == 400


def test_the_agent_sees_call_events_among_the_threads_notes(
    aws: Aws, calls_api: Any, agent_api: Any, context: LambdaContext
) -> None:
    seed_water_thread(aws)
    set_phone(calls_api, context, AGENT, STAFF_PHONE)
    call(calls_api, context, calls_event("POST", f"/api/calls/threads/{THREAD_ID}", AGENT))
    status, body = call(agent_api, context, api_event("GET", f"/api/threads/{THREAD_ID}/notes", claims=AGENT))
    assert status == 200 and body["notes"][0]["kind"] == "call"


def test_an_admin_editing_a_staff_member_keeps_their_phone(
    aws: Aws, calls_api: Any, staff_admin: Any, context: LambdaContext
) -> None:
    from tests.integration.test_roles_and_staff import admin_call

    status, member = admin_call(staff_admin, context, "POST", "/api/admin/staff", {"email": "p@example.gov"})
    assert status == 201
    claims = {"sub": member["sub"], "email": "p@example.gov", "cognito:groups": "[agent]"}
    set_phone(calls_api, context, claims, STAFF_PHONE)
    assert (
        admin_call(staff_admin, context, "PATCH", f"/api/admin/staff/{member['sub']}", {"name": "Pat"})[0]
        == 200
    )
    assert call(calls_api, context, calls_event("GET", "/api/calls/phone", claims))[1] == {
        "phone": STAFF_PHONE
    }


def test_no_phone_number_reaches_the_logs(
    aws: Aws, calls_api: Any, call_status: Any, context: LambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_water_thread(aws)
    set_phone(calls_api, context, AGENT, STAFF_PHONE)
    call(calls_api, context, calls_event("POST", f"/api/calls/threads/{THREAD_ID}", AGENT))
    call_status.handler(status_event(CallSid=CALL_SID, CallStatus="completed", CallDuration="5"), context)
    logged = capsys.readouterr()
    assert "5555550" not in logged.out + logged.err
