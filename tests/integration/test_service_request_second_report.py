"""A second REPORT from the same resident (issue 21 item 7): in the middle of a report it starts over (never
taken as the place or a service); after a request was made, while that request is still open, it makes a
request of its own, and both are linked to the conversation."""

from __future__ import annotations

from typing import Any

from servicerequests.dal.requests_table import RequestsTable

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_consent import RESIDENT
from tests.integration.test_service_request_intake import replies, requests, seed, text


def test_report_again_starts_over_and_then_makes_a_second_request(
    aws: Aws, agent_api: Any, inbound_consumer: Any, context: LambdaContext
) -> None:
    seed(agent_api, context)
    script = [
        "REPORT",
        "1",  # Graffiti
        "Oak St and 3rd Ave",  # not in the gazetteer: asked once more
        "REPORT pothole",  # starts over: not the place "REPORT pothole", not a second try at the place
        "1",  # Pothole, offered first
        "120 Elm Street",
        "SKIP",
        "2",
        "NO",
    ]
    for n, body in enumerate(script, start=1):
        text(inbound_consumer, context, body, n)
    said = replies(aws)
    assert said[3].startswith("Switchboard: It sounds like Pothole. Reply 1 to report it"), said[3]
    assert said[-1] == (
        "Switchboard: Request #1001 created (Pothole). We will text you when its status changes."
    )
    [first] = requests(aws)
    assert first["address"] == "120 Elm Street" and first["description"] == "pothole"

    # While #1001 is open, REPORT again is a new request, not an edit of the first
    for n, body in enumerate(["REPORT", "1", "120 Elm Street", "SKIP", "NO"], start=len(script) + 1):
        text(inbound_consumer, context, body, n)
    assert replies(aws)[-1] == (
        "Switchboard: Request #1002 created (Graffiti). We will text you when its status changes."
    )
    table = RequestsTable(aws.table)
    earlier = table.get("1001")
    assert earlier is not None and earlier.status == "open" and earlier.service_code == "POT"
    thread_id = aws.table.get_item(Key={"pk": f"ADDR#{RESIDENT}", "sk": "RESIDENT"})["Item"]["thread_id"]
    assert [r.service_request_id for r in table.for_thread(str(thread_id))] == ["1002", "1001"]
