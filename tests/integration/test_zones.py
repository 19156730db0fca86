"""Zones on moto: polygons and address points uploaded through the agent API, an address or a point resolved
to its zones, and residents subscribing by address (sign-up page) or by texting it after JOIN."""

from __future__ import annotations

import json
from typing import Any

from boto3.dynamodb.conditions import Key

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_consent import (
    RESIDENT,
    inbound_event,
    ledger,
    public_event,
    queued_jobs,
    seed_topics,
)
from tests.integration.test_consent import state as consent_state

SUPERVISOR = {"sub": "sup-1", "email": "s@example.org", "cognito:groups": ["supervisor"]}
AGENT = {"sub": "agent-1", "email": "a@example.org", "cognito:groups": ["agent"]}

# Two overlapping neighbourhoods: Elm Park (a square with a pond cut out) and Riverside (a MultiPolygon).
ELM_PARK = [[-122.42, 37.76], [-122.40, 37.76], [-122.40, 37.78], [-122.42, 37.78], [-122.42, 37.76]]
POND = [[-122.415, 37.765], [-122.405, 37.765], [-122.405, 37.775], [-122.415, 37.775], [-122.415, 37.765]]
RIVERSIDE = [
    [[[-122.405, 37.755], [-122.39, 37.755], [-122.39, 37.77], [-122.405, 37.77], [-122.405, 37.755]]],
    [[[-122.30, 37.70], [-122.29, 37.70], [-122.29, 37.71], [-122.30, 37.70]]],
]
GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Elm Park", "id": "elm-park"},
            "geometry": {"type": "Polygon", "coordinates": [ELM_PARK, POND]},
        },
        {
            "type": "Feature",
            "id": "riverside",
            "properties": {"name": "Riverside"},
            "geometry": {"type": "MultiPolygon", "coordinates": RIVERSIDE},
        },
    ],
}
ADDRESS_POINTS = (
    "address,lat,lon,zip\n"
    "120 Elm Street,37.762,-122.402,94110\n"  # in both Elm Park and Riverside
    "7 Pond Lane,37.770,-122.410,94110\n"  # in the pond: Elm Park's hole
    "9 Far Road,37.50,-122.00,94999\n"  # in no polygon
    "bad row,1,2\n"
)


def upload(agent_api: Any, context: LambdaContext) -> None:
    status, body = call(agent_api, context, api_event("PUT", "/api/zones", body=GEOJSON, claims=SUPERVISOR))
    assert status == 200, body
    event = api_event("POST", "/api/zones/address-points", body=ADDRESS_POINTS, claims=SUPERVISOR)
    event["headers"]["content-type"] = "text/csv"
    status, body = call(agent_api, context, event)
    assert (status, body) == (
        200,
        {"loaded": 3, "rejected": [{"row": 5, "problem": "address must start with a house number"}]},
    )


def lookup(agent_api: Any, context: LambdaContext, body: dict[str, Any]) -> tuple[int, Any]:
    return call(agent_api, context, api_event("POST", "/api/zones/lookup", body=body, claims=AGENT))


def test_supervisors_upload_polygons_and_address_points_and_agents_look_places_up(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    upload(agent_api, context)

    status, body = call(agent_api, context, api_event("GET", "/api/zones", claims=AGENT))
    assert status == 200
    assert [(z["zone"], z["name"], z["kind"], z["vertices"]) for z in body["zones"]] == [
        ("area:elm-park", "Elm Park", "polygon", 10),
        ("area:riverside", "Riverside", "polygon", 9),
    ]
    assert lookup(agent_api, context, {"address": "120 elm st., Apt 3"}) == (
        200,
        {"zones": ["area:elm-park", "area:riverside", "zip:94110"], "names": ["Elm Park", "Riverside"]},
    )
    assert lookup(agent_api, context, {"address": "7 POND LN"})[1]["zones"] == ["zip:94110"]  # the hole
    assert lookup(agent_api, context, {"lat": 37.703, "lon": -122.292})[1]["zones"] == ["area:riverside"]
    assert lookup(agent_api, context, {"address": "500 Nowhere Blvd"}) == (
        404,
        {"message": "address not found in the agency's address points"},
    )
    assert lookup(agent_api, context, {"lat": 37.7})[0] == 422  # the agent API's validation answer

    # Replacing a zone by id; deleting one; every change audited.
    smaller = {"type": "FeatureCollection", "features": [json.loads(json.dumps(GEOJSON["features"][1]))]}
    smaller["features"][0]["geometry"] = {"type": "Polygon", "coordinates": RIVERSIDE[1]}
    assert call(agent_api, context, api_event("PUT", "/api/zones", body=smaller, claims=SUPERVISOR))[0] == 200
    assert lookup(agent_api, context, {"address": "120 Elm St"})[1]["zones"] == ["area:elm-park", "zip:94110"]
    status, _ = call(agent_api, context, api_event("DELETE", "/api/zones/elm-park", claims=SUPERVISOR))
    assert status == 204
    assert call(agent_api, context, api_event("DELETE", "/api/zones/elm-park", claims=SUPERVISOR))[0] == 404
    actions = [i["action"] for i in aws.items() if i["pk"].startswith("AUDIT#")]
    assert sorted(actions) == ["zones.address_points", "zones.delete", "zones.save", "zones.save"]


def test_uploads_need_a_supervisor_and_bad_geojson_is_a_400_naming_each_problem(
    aws: Aws, agent_api: Any, context: LambdaContext, logs: Any
) -> None:
    assert call(agent_api, context, api_event("PUT", "/api/zones", body=GEOJSON, claims=AGENT))[0] == 403
    broken = json.loads(json.dumps(GEOJSON))
    broken["features"][0]["geometry"]["coordinates"][0].pop()  # the ring no longer closes
    status, body = call(agent_api, context, api_event("PUT", "/api/zones", body=broken, claims=SUPERVISOR))
    assert status == 400
    assert body == {
        "message": "invalid GeoJSON",
        "problems": ["feature 1 (Elm Park): ring 1 is not closed: its last position must repeat its first"],
    }
    assert call(agent_api, context, api_event("PUT", "/api/zones", body="{nope", claims=SUPERVISOR))[0] == 400
    assert not [i for i in aws.items() if i["pk"] == "ZONES"]  # nothing saved from a refused upload
    assert "122.42" not in logs.text()


def test_joining_by_text_then_replying_with_an_address_sets_every_zone_containing_it(
    aws: Aws, agent_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    upload(agent_api, context)
    seed_topics(aws)
    inbound_consumer.handler(inbound_event("JOIN WATER", "SM" + "1" * 32), context)
    [prompt] = queued_jobs(aws)
    inbound_consumer.handler(
        inbound_event("500 Nowhere Blvd", "SM" + "2" * 32, "2026-11-25T10:01:00.000000Z"), context
    )
    assert consent_state(aws)["zones"] == [] and consent_state(aws)["awaiting"] == "zip"
    for _ in range(2):  # redelivered: recorded and answered once
        inbound_consumer.handler(
            inbound_event("120 Elm Street, apt 2", "SM" + "3" * 32, "2026-11-25T10:02:00.000000Z"), context
        )

    assert consent_state(aws)["zones"] == ["area:elm-park", "area:riverside", "zip:94110"]
    assert consent_state(aws)["awaiting"] == "email"  # the next prompt: alerts by email too (issue 22)
    zone_entries = [e for e in ledger(aws) if e["action"] == "set_zone"]
    assert [(e["zones"], e["source"], e["source_id"]) for e in zone_entries] == [
        (["area:elm-park", "area:riverside", "zip:94110"], "keyword", "SM" + "3" * 32)
    ]
    subscriber = aws.table.get_item(Key={"pk": "SUBS#WATER", "sk": f"ADDR#{RESIDENT}"})["Item"]
    assert subscriber["zones"] == ["area:elm-park", "area:riverside", "zip:94110"]
    thread_id = prompt["thread_id"]
    replies = [
        m["body"]
        for m in aws.table.query(
            KeyConditionExpression=Key("pk").eq(f"THREAD#{thread_id}") & Key("sk").begins_with("MSG#")
        )["Items"]
        if m["direction"] == "out"
    ]
    assert "street address" in replies[0]
    assert "could not find that address" in replies[1]
    assert replies[2] == (
        "Switchboard: Thanks. You will get alerts for Elm Park, Riverside. To get them by email too, reply "
        "with your email address. Reply STOP to unsubscribe."
    )
    assert len(replies) == 3

    # Without a prompt waiting, an address is an ordinary message for staff.
    inbound_consumer.handler(
        inbound_event("7 Pond Lane", "SM" + "4" * 32, "2026-11-25T10:03:00.000000Z"), context
    )
    assert consent_state(aws)["zones"] == ["area:elm-park", "area:riverside", "zip:94110"]


def test_a_shared_location_in_reply_sets_the_zones_of_that_point(
    aws: Aws, agent_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    upload(agent_api, context)
    seed_topics(aws)
    inbound_consumer.handler(inbound_event("JOIN STORM", "SM" + "5" * 32), context)
    inbound_consumer.handler(
        inbound_event("37.703, -122.292", "SM" + "6" * 32, "2026-11-25T10:01:00.000000Z"), context
    )
    assert consent_state(aws)["zones"] == ["area:riverside"]


def test_the_sign_up_page_subscribes_an_address_to_its_zones_after_yes(
    aws: Aws, agent_api: Any, signup_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    upload(agent_api, context)
    seed_topics(aws)
    request = {"phone": "+15555550123", "topics": ["WATER"], "address": "120 Elm St"}
    assert call(signup_api, context, public_event("POST", "/api/public/signup", request)) == (
        202,
        {"status": "confirmation_sent"},
    )
    [job] = queued_jobs(aws)
    text = aws.table.get_item(Key={"pk": f"THREAD#{job['thread_id']}", "sk": job["message_sk"]})["Item"]
    assert text["body"].startswith("Switchboard: Reply YES to get WATER alerts for Elm Park, Riverside.")

    inbound_consumer.handler(inbound_event("YES", "SM" + "7" * 32), context)
    assert consent_state(aws)["zones"] == ["area:elm-park", "area:riverside", "zip:94110"]
    assert consent_state(aws)["topics"] == ["WATER"]

    unknown = {"phone": "+15555550124", "topics": ["WATER"], "address": "1 Unknown St"}
    assert call(signup_api, context, public_event("POST", "/api/public/signup", unknown)) == (
        400,
        {
            "message": "we could not find this address in our area; check it, or give a ZIP code instead",
            "fields": ["address"],
        },
    )
