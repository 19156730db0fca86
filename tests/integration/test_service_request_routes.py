"""Staff see service requests on a map (GeoJSON) and as CSV, within their departments; a status change is
texted to the resident who reported it, once per change and in their language (issue 21 items 5 and 6)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key
from servicerequests.dal.requests_table import RequestsTable
from servicerequests.models.requests import ServiceRequestRecord
from switchboard.clock import utc_now_iso

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event

ROADS = {"sub": "b1000000-0000-4000-8000-000000000001", "email": "r@example.org", "cognito:groups": ["agent"]}
WATER = {"sub": "b2000000-0000-4000-8000-000000000002", "email": "w@example.org", "cognito:groups": ["agent"]}
SUPERVISOR = {
    "sub": "b3000000-0000-4000-8000-000000000003",
    "email": "s@example.org",
    "cognito:groups": ["supervisor"],
}
RESIDENT_ES = "+15555550188"


def raw(agent_api: Any, context: LambdaContext, event: dict[str, Any]) -> tuple[int, str]:
    response = agent_api.handler(event, context)
    return response["statusCode"], response.get("body") or ""


@pytest.fixture
def requests(aws: Aws) -> None:
    for claims, departments in ((ROADS, ["roads"]), (WATER, ["water"]), (SUPERVISOR, [])):
        aws.table.put_item(
            Item={
                "pk": f"STAFF#{claims['sub']}",
                "sk": "PROFILE",
                "sub": claims["sub"],
                "email": claims["email"],
                "groups": claims["cognito:groups"],
                "departments": departments,
                "enabled": True,
            }
        )
    now = utc_now_iso()
    table = RequestsTable(aws.table)
    for request_id, code, department, lat, long, resident in (
        ("1001", "POT", "roads", 37.762, -122.402, "+15555550123"),
        ("1002", "LEAK", "water", 37.70, -122.30, RESIDENT_ES),
        ("1003", "POT", "roads", None, None, None),  # from a city system, address only
    ):
        table.create(
            ServiceRequestRecord(
                service_request_id=request_id,
                service_code=code,
                service_name={"POT": "Pothole", "LEAK": "Water leak"}[code],
                requested_datetime=now,
                updated_datetime=now,
                address='=HYPERLINK("http://x")' if request_id == "1003" else "120 Elm Street",
                lat=lat,
                long=long,
                department=department,
                resident=resident,
                source="sms" if resident else "open311",
            )
        )


def ids(body: str) -> list[str]:
    return [feature["id"] for feature in json.loads(body)["features"]]


def test_the_map_shows_each_caller_their_departments_requests_and_never_a_number(
    requests: None, agent_api: Any, context: LambdaContext
) -> None:
    status, body = raw(agent_api, context, api_event("GET", "/api/service-requests", claims=SUPERVISOR))
    assert status == 200 and sorted(ids(body)) == ["1001", "1002", "1003"]
    features = {f["id"]: f for f in json.loads(body)["features"]}
    assert features["1001"]["geometry"] == {"type": "Point", "coordinates": [-122.402, 37.762]}
    assert features["1003"]["geometry"] is None
    assert "+1555555" not in body and "resident" not in body

    assert sorted(
        ids(raw(agent_api, context, api_event("GET", "/api/service-requests", claims=ROADS))[1])
    ) == [
        "1001",
        "1003",
    ]
    assert ids(raw(agent_api, context, api_event("GET", "/api/service-requests", claims=WATER))[1]) == [
        "1002"
    ]

    box = {"bbox": "-122.41,37.75,-122.39,37.77"}
    event = api_event("GET", "/api/service-requests", query=box, claims=SUPERVISOR)
    assert ids(raw(agent_api, context, event)[1]) == ["1001"]
    event = api_event("GET", "/api/service-requests", query={"bbox": "1,2,3"}, claims=SUPERVISOR)
    assert raw(agent_api, context, event)[0] == 400


def test_csv_export_is_safe_to_open_in_a_spreadsheet(
    requests: None, agent_api: Any, context: LambdaContext
) -> None:
    event = api_event("GET", "/api/service-requests", query={"format": "csv"}, claims=SUPERVISOR)
    status, body = raw(agent_api, context, event)
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted(row["service_request_id"] for row in rows) == ["1001", "1002", "1003"]
    by_id = {row["service_request_id"]: row for row in rows}
    assert by_id["1003"]["address"].startswith("'=HYPERLINK")  # not a formula
    assert by_id["1001"]["long"] == "-122.402"  # a negative number stays a number
    assert "+1555555" not in body


def outbound_texts(aws: Aws, address: str) -> list[str]:
    item = aws.table.get_item(Key={"pk": f"ADDR#{address}", "sk": "RESIDENT"}).get("Item")
    if not item:
        return []
    messages = aws.table.query(
        KeyConditionExpression=Key("pk").eq(f"THREAD#{item['thread_id']}") & Key("sk").begins_with("MSG#")
    )["Items"]
    return [str(m["body"]) for m in messages if m["direction"] == "out"]


def test_closing_a_request_tells_the_resident_once_and_other_departments_cannot(
    requests: None, aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    close = {"status": "closed", "notes": "Filled on Dec 7"}
    event = api_event("PUT", "/api/service-requests/1001/status", body=close, claims=WATER)
    assert raw(agent_api, context, event)[0] == 404  # roads' request: as if it did not exist
    for _ in range(2):  # a double click: one text
        event = api_event("PUT", "/api/service-requests/1001/status", body=close, claims=ROADS)
        status, body = raw(agent_api, context, event)
        assert status == 200 and json.loads(body)["properties"]["status"] == "closed"
    assert outbound_texts(aws, "+15555550123") == [
        "Switchboard: Your request #1001 (Pothole) is closed. Note: Filled on Dec 7"
    ]
    reopen = api_event("PUT", "/api/service-requests/1001/status", body={"status": "open"}, claims=ROADS)
    assert raw(agent_api, context, reopen)[0] == 200
    assert outbound_texts(aws, "+15555550123")[-1] == (
        "Switchboard: Your request #1001 (Pothole) is open again. Note: Filled on Dec 7"
    )
    audit = [i for i in aws.items() if str(i["pk"]).startswith("AUDIT#")]
    assert sorted(str(i["action"]) for i in audit) == ["service_request.status"] * 3
    # A request from a city system has nobody to text.
    event = api_event("PUT", "/api/service-requests/1003/status", body={"status": "closed"}, claims=ROADS)
    assert raw(agent_api, context, event)[0] == 200
    assert outbound_texts(aws, "+15555550100") == []
