"""311 intake by conversation on moto (issue 21 item 2): REPORT, a numbered service, the place, the required
questions, a photo, "Request #1001 created", in the resident's language; EXIT and STOP leave cleanly; a
redelivered message moves nothing twice; a WhatsApp shared location needs no typed address."""

from __future__ import annotations

import json
from typing import Any

from boto3.dynamodb.conditions import Key
from servicerequests.dal.requests_table import RequestsTable

from tests.integration.conftest import MEDIA_BUCKET, Aws, LambdaContext
from tests.integration.fakes import FakeMediaSource
from tests.integration.test_agent_api import api_event, call
from tests.integration.test_consent import RESIDENT, inbound_event
from tests.integration.test_open311 import ADMIN, DEFINITIONS, SERVICES, open311

WHATSAPP = "whatsapp:+15555550177"


def sid(n: int) -> str:
    return f"SM{n:032d}"


def text(consumer: Any, context: LambdaContext, body: str, n: int, **params: str) -> None:
    event = inbound_event(body, sid(n), received_at=f"2026-11-25T10:{n:02d}:00.000000Z")
    record = event["Records"][0]
    envelope = json.loads(record["body"])
    envelope["params"].update(params)
    record["body"] = json.dumps(envelope)
    assert consumer.handler(event, context) == {"batchItemFailures": []}


def replies(aws: Aws, address: str = RESIDENT) -> list[str]:
    thread_id = aws.table.get_item(Key={"pk": f"ADDR#{address}", "sk": "RESIDENT"})["Item"]["thread_id"]
    items = aws.table.query(
        KeyConditionExpression=Key("pk").eq(f"THREAD#{thread_id}") & Key("sk").begins_with("MSG#")
    )["Items"]
    return [str(m["body"]) for m in items if m["direction"] == "out"]


def requests(aws: Aws) -> list[dict[str, Any]]:
    return [i for i in aws.items() if str(i["pk"]).startswith("SRMONTH#")]


def seed(agent_api: Any, context: LambdaContext) -> None:
    upload = {"services": SERVICES, "definitions": DEFINITIONS, "departments": {"POT": "roads"}}
    status, _ = call(agent_api, context, api_event("POST", "/api/services/import", body=upload, claims=ADMIN))
    assert status == 200


def test_a_resident_reports_a_pothole_by_text_with_a_photo(
    aws: Aws,
    agent_api: Any,
    inbound_consumer: Any,
    media: FakeMediaSource,
    open311_api: Any,
    context: LambdaContext,
) -> None:
    seed(agent_api, context)
    text(inbound_consumer, context, "REPORT pothole on Oak", 1)
    text(inbound_consumer, context, "1", 2)
    text(inbound_consumer, context, "Oak St and 3rd Ave", 3)  # not in the gazetteer: asked once more
    text(inbound_consumer, context, "SKIP", 4)
    text(inbound_consumer, context, "5", 5)  # not a choice
    text(inbound_consumer, context, "2", 6)
    text(
        inbound_consumer,
        context,
        "",
        7,
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME" + "1" * 32,
        MediaContentType0="image/jpeg",
    )
    said = replies(aws)
    assert said[0].startswith("Switchboard: It sounds like Pothole. Reply 1 to report it")
    assert "1. Pothole\n2. Graffiti" in said[0]
    assert said[1].startswith("Pothole: where is it?")
    assert said[2].startswith("We could not find that place.")
    assert said[3] == "How big is it? Reply with a number:\n1. Smaller than a plate\n2. Bigger"
    assert said[4].startswith("That answer did not fit: SIZE: 5 is not one of big, small.")
    assert said[5] == "Send a photo if you have one, or reply NO."
    assert (
        said[6] == "Switchboard: Request #1001 created (Pothole). We will text you when its status changes."
    )

    [record] = requests(aws)
    assert record["service_code"] == "POT" and record["address"] == "Oak St and 3rd Ave"
    assert record["attributes"] == {"SIZE": "big"} and record["department"] == "roads"
    assert record["description"] == "pothole on Oak" and record["source"] == "sms"
    assert record["resident"] == RESIDENT and record["media_keys"] == ["requests/1001/0"]
    photo = aws.s3.get_object(Bucket=MEDIA_BUCKET, Key="requests/1001/0")["Body"].read()
    assert photo[:2] == b"\xff\xd8" and b"Exif" not in photo and b"GPS" not in photo

    status, listed, raw = open311(open311_api, context, "GET", "requests/1001.json")
    assert status == 200 and listed[0]["address"] == "Oak St and 3rd Ave" and RESIDENT not in raw
    # The next text is a message for staff again, not part of the report.
    text(inbound_consumer, context, "thanks!", 8)
    assert len(replies(aws)) == 7


def test_a_redelivered_message_moves_nothing_twice_and_creates_one_request(
    aws: Aws, agent_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    seed(agent_api, context)
    for n, body in enumerate(["REPORT", "1", "120 Elm Street", "SKIP", "NO"], start=1):
        text(inbound_consumer, context, body, n)
        text(inbound_consumer, context, body, n)  # SQS delivers the same record again
    said = replies(aws)
    assert (
        said[-1] == "Switchboard: Request #1001 created (Graffiti). We will text you when its status changes."
    )
    assert len(said) == 5  # one answer per message, not per delivery
    assert [r["service_request_id"] for r in requests(aws)] == ["1001"]


def test_exit_and_stop_leave_cleanly_and_spanish_is_answered_in_spanish(
    aws: Aws, agent_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    seed(agent_api, context)
    text(inbound_consumer, context, "REPORT", 1)
    text(inbound_consumer, context, "exit", 2)
    text(inbound_consumer, context, "1", 3)  # no report in progress: not taken as a choice
    text(inbound_consumer, context, "Reportar", 4)
    text(inbound_consumer, context, "STOP", 5)  # the consent answer is the answer; the report ends
    text(inbound_consumer, context, "1", 6)
    said = replies(aws)
    assert said[0].startswith("Switchboard: What would you like to report?")
    assert said[1] == "Your report was stopped; nothing was sent. Text REPORT to start again."
    assert said[2].startswith("Switchboard: ¿Qué desea reportar? Responda con un número:")
    assert "You are unsubscribed" in said[3] and len(said) == 4
    assert requests(aws) == []


def test_a_whatsapp_shared_location_needs_no_typed_address(
    aws: Aws, agent_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    seed(agent_api, context)
    whatsapp = {"From": WHATSAPP, "To": "whatsapp:+15555550100"}
    text(inbound_consumer, context, "REPORT graffiti", 1, **whatsapp)
    text(inbound_consumer, context, "1", 2, **whatsapp)
    text(
        inbound_consumer,
        context,
        "",
        3,
        Latitude="37.7621",
        Longitude="-122.4023",
        Address="120 Elm Street",
        Label="Corner store",
        **whatsapp,
    )
    text(inbound_consumer, context, "no", 4, **whatsapp)
    [record] = requests(aws)
    assert (record["service_code"], record["source"]) == ("GRAF", "whatsapp")
    assert (float(record["lat"]), float(record["long"]), record["address"]) == (
        37.7621,
        -122.4023,
        "120 Elm Street",
    )
    assert RequestsTable(aws.table).get("1001") is not None


def test_no_catalogue_means_a_polite_answer_and_the_text_still_reaches_staff(
    aws: Aws, inbound_consumer: Any, context: LambdaContext
) -> None:
    text(inbound_consumer, context, "REPORT broken light", 1)
    assert replies(aws) == [
        "Switchboard: Reports by text are not open yet. Reply to this message and staff will help you."
    ]


def test_a_crisis_in_the_middle_of_a_report_is_still_scored_and_answered(
    aws: Aws, agent_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    seed(agent_api, context)
    text(inbound_consumer, context, "REPORT", 1)
    text(inbound_consumer, context, "i took all my pills and want to die", 2)  # not a choice
    thread_id = aws.table.get_item(Key={"pk": f"ADDR#{RESIDENT}", "sk": "RESIDENT"})["Item"]["thread_id"]
    thread = aws.table.get_item(Key={"pk": f"THREAD#{thread_id}", "sk": "META"})["Item"]
    assert thread["triage_level"] == "critical"
    said = replies(aws)
    assert any("988" in reply for reply in said), said
