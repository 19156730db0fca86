"""Staff make and edit a service request from a conversation (issue 21 item 2): the request is linked to the
thread, checked against the service's definition, placed through the gazetteer, queued for the city, audited,
and its later status change is texted to the resident; another department's agent cannot edit it."""

from __future__ import annotations

import json
from typing import Any

from servicerequests.dal.requests_table import RequestsTable

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_consent import RESIDENT
from tests.integration.test_open311 import ADMIN
from tests.integration.test_service_request_intake import replies, seed, text

WATER = {"sub": "b2000000-0000-4000-8000-000000000002", "email": "w@example.org", "cognito:groups": ["agent"]}


def thread_of(aws: Aws, address: str = RESIDENT) -> str:
    return str(aws.table.get_item(Key={"pk": f"ADDR#{address}", "sk": "RESIDENT"})["Item"]["thread_id"])


def add_address_point(aws: Aws, agent_api: Any, context: LambdaContext) -> None:
    csv_text = "address,lat,lon,zip\n120 Elm Street,37.762,-122.402,94110\n"
    event = api_event("POST", "/api/zones/address-points", body=csv_text, claims=ADMIN)
    status, body = call(agent_api, context, event)
    assert status == 200, body


def test_staff_make_a_request_from_a_thread_and_edit_it(
    aws: Aws, agent_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    # Given a resident who texted about a pothole, a catalogue, and the agency's address points
    seed(agent_api, context)
    text(inbound_consumer, context, "There is a big hole outside 120 Elm Street", 1)
    thread_id = thread_of(aws)
    add_address_point(aws, agent_api, context)
    path = f"/api/threads/{thread_id}/service-requests"

    # Required answers are checked against the definition; an unknown service is refused
    missing = {"service_code": "POT", "address": "120 Elm Street", "attributes": {}}
    status, body = call(agent_api, context, api_event("POST", path, body=missing, claims=ADMIN))
    assert status == 400 and body["problems"] == ["SIZE: required (How big is it?)"]
    unknown = {"service_code": "NOPE", "attributes": {}}
    assert call(agent_api, context, api_event("POST", path, body=unknown, claims=ADMIN))[0] == 400
    assert aws.queue_messages("CityForwardQueue") == []

    # When staff make it with the typed address
    made = {
        "service_code": "POT",
        "address": "120 Elm Street",
        "description": "Resident says it is a big hole",
        "attributes": {"SIZE": "big"},
    }
    status, body = call(agent_api, context, api_event("POST", path, body=made, claims=ADMIN))

    # Then it is placed through the gazetteer, linked to the thread, queued for the city, audited
    assert status == 201, body
    request_id = body["service_request_id"]
    assert (body["lat"], body["long"], body["source"]) == (37.762, -122.402, "staff")
    assert "resident" not in body and RESIDENT not in json.dumps(body)
    record = RequestsTable(aws.table).get(request_id)
    assert record is not None and record.thread_id == thread_id and record.resident == RESIDENT
    assert record.department == "roads" and record.attributes == {"SIZE": "big"}
    status, listed = call(agent_api, context, api_event("GET", path, claims=ADMIN))
    assert status == 200 and [r["service_request_id"] for r in listed["requests"]] == [request_id]
    jobs = [json.loads(m["Body"]) for m in aws.queue_messages("CityForwardQueue")]
    assert [job["request_id"] for job in jobs] == [request_id]

    # An edit: the answers are checked again; another department's agent cannot see the request
    edit_path = f"/api/service-requests/{request_id}"
    bad = {"address": "120 Elm Street", "attributes": {"SIZE": "huge"}}
    status, body = call(agent_api, context, api_event("PUT", edit_path, body=bad, claims=ADMIN))
    assert status == 400 and body["problems"][0].startswith("SIZE: huge is not one of")
    aws.table.put_item(
        Item={
            "pk": f"STAFF#{WATER['sub']}",
            "sk": "PROFILE",
            "sub": WATER["sub"],
            "email": WATER["email"],
            "groups": ["agent"],
            "departments": ["water"],
            "enabled": True,
        }
    )
    edit = {
        "address": "Oak and 3rd",
        "lat": 37.7,
        "long": -122.41,
        "description": "Bigger now",
        "attributes": {"SIZE": "big", "DEPTH_CM": "12"},
    }
    assert call(agent_api, context, api_event("PUT", edit_path, body=edit, claims=WATER))[0] == 404
    status, body = call(agent_api, context, api_event("PUT", edit_path, body=edit, claims=ADMIN))
    assert status == 200, body
    after = RequestsTable(aws.table).get(request_id)
    assert after is not None
    assert (after.address, after.lat, after.long, after.description) == (
        "Oak and 3rd",
        37.7,
        -122.41,
        "Bigger now",
    )
    assert after.attributes == {"SIZE": "big", "DEPTH_CM": "12"} and after.thread_id == thread_id
    actions = sorted(str(i["action"]) for i in aws.items() if str(i["pk"]).startswith("AUDIT#"))
    assert [a for a in actions if a.startswith("service_request")] == [
        "service_request.create",
        "service_request.edit",
    ]

    # A status change staff make later is texted to the resident who wrote in
    close = {"status": "closed", "notes": "Filled"}
    event = api_event("PUT", f"/api/service-requests/{request_id}/status", body=close, claims=ADMIN)
    assert call(agent_api, context, event)[0] == 200
    assert replies(aws)[-1] == f"Switchboard: Your request #{request_id} (Pothole) is closed. Note: Filled"


def test_a_thread_that_does_not_exist_gets_no_request(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    seed(agent_api, context)
    made = {"service_code": "GRAF", "attributes": {}}
    event = api_event("POST", "/api/threads/0123456789abcdef/service-requests", body=made, claims=ADMIN)
    assert call(agent_api, context, event)[0] == 404
    assert [i for i in aws.items() if str(i["pk"]).startswith("SRMONTH#")] == []
